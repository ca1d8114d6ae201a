"""Uploads of a team's setup files, held in memory and bounded: nothing uploaded is ever written to disk.

Django's own handlers keep an upload in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) and spool a larger one to
a temporary file. This handler replaces them for the import's views: it keeps at most MAX_BYTES + 1 bytes of each
file (enough to tell it is too large) and discards the rest as it arrives, and past MAX_FILES files it keeps
nothing. Each upload still reports the size that was sent, so the form can say how large it was.
"""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from decisions.setups import MAX_BYTES, MAX_FILES


class HeldInMemory(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.files_seen = 0
        self.kept = io.BytesIO()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files_seen += 1
        self.kept = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = (MAX_BYTES + 1 if self.files_seen <= MAX_FILES else 0) - self.kept.tell()
        if room > 0:
            self.kept.write(raw_data[:room])
        return None  # no other handler gets the data

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.kept.seek(0)
        return InMemoryUploadedFile(
            self.kept, self.field_name, self.file_name, self.content_type, file_size, self.charset
        )
