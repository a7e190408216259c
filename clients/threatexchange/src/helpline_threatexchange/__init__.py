"""python-threatexchange extension for a helpline portal's hash bank: `threatexchange config extensions add
helpline_threatexchange`, or list HelplinePortalSignalExchangeAPI among HMA's exchange types."""

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from helpline_threatexchange.exchange import (
    HelplinePortalCheckpoint,
    HelplinePortalClient,
    HelplinePortalCredentials,
    HelplinePortalError,
    HelplinePortalSignalExchangeAPI,
    HelplinePortalSignalMetadata,
)
from helpline_threatexchange.version import __version__

TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(HelplinePortalSignalExchangeAPI,))

__all__ = [
    "TX_MANIFEST",
    "HelplinePortalCheckpoint",
    "HelplinePortalClient",
    "HelplinePortalCredentials",
    "HelplinePortalError",
    "HelplinePortalSignalExchangeAPI",
    "HelplinePortalSignalMetadata",
    "__version__",
]
