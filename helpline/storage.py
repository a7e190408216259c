"""Private local file storage for the embedded demo: files under var/private that no URL reaches."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError(
            "Private files have no public URL; serve them through an authorised view that checks who is asking."
        )
