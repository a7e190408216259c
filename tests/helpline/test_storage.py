"""Private files: S3 through django-storages against a real HTTP endpoint, and local files with no URL."""

from __future__ import annotations

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from helpline.storage import PrivateFileSystemStorage
from tests.services import s3_server


@pytest.fixture
def s3_storage():
    with s3_server() as endpoint:
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        client.create_bucket(Bucket="evidence")
        storage = S3Storage(
            bucket_name="evidence",
            endpoint_url=endpoint,
            region_name="us-east-1",
            access_key="test",
            secret_key="test",
            default_acl="private",
            signature_version="s3v4",
            querystring_auth=True,
            querystring_expire=30,
            file_overwrite=False,
        )
        yield storage, client, endpoint


@pytest.mark.services
def test_a_private_file_is_stored_and_read_back_through_s3(s3_storage):
    storage, client, _ = s3_storage
    name = storage.save("cases/abc/screenshot.png", ContentFile(b"\x89PNG fake bytes"))
    with storage.open(name) as handle:
        assert handle.read() == b"\x89PNG fake bytes"
    acl = client.get_object_acl(Bucket="evidence", Key=name)
    assert all(grant["Grantee"].get("URI") is None for grant in acl["Grants"]), "no group (public) grants"


@pytest.mark.services
def test_the_s3_object_has_no_public_url_only_a_short_lived_signed_one(s3_storage):
    storage, _, endpoint = s3_storage
    name = storage.save("cases/abc/evidence.jpg", ContentFile(b"secret-bytes"))
    unsigned = f"{endpoint}/evidence/{name}"
    assert requests.get(unsigned, timeout=5).status_code == 403
    signed = storage.url(name)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=30" in signed
    assert requests.get(signed, timeout=5).content == b"secret-bytes"


def test_local_private_files_have_no_url(tmp_path):
    storage = PrivateFileSystemStorage(location=str(tmp_path))
    name = storage.save("evidence.png", ContentFile(b"bytes"))
    with pytest.raises(ValueError, match="no public URL"):
        storage.url(name)
