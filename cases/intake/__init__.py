"""The victim intake wizard: forms, the filing service and the step views."""
