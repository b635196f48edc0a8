# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the original transfer script did: list, readall() into memory, write, delete.

Usage: baseline_original.py CONTAINER_SAS_URL DEST_FOLDER
"""

import os
import sys

from azure.storage.blob import ContainerClient

container = ContainerClient.from_container_url(sys.argv[1])
for blob in container.list_blobs():
    data = container.get_blob_client(blob.name).download_blob().readall()
    with open(os.path.join(sys.argv[2], os.path.basename(blob.name)), "wb") as handle:
        handle.write(data)
    container.get_blob_client(blob.name).delete_blob()
