# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers for transfer tests: fill a container, read back an import folder."""

import hashlib
import os
import uuid

HIDDEN_FOLDER = ".cegid-partial"


def digest(data):
    return hashlib.sha256(data).hexdigest()


def new_container(azurite):
    """A fresh, empty container with a unique name."""
    name = "t" + uuid.uuid4().hex[:20]
    azurite.create_container(name)
    return name


def upload(container_client, name, data):
    """Upload ``data`` as blob ``name`` (overwriting); return its ETag."""
    return container_client.get_blob_client(name).upload_blob(data, overwrite=True)["etag"]


def blob_names(container_client):
    return sorted(blob.name for blob in container_client.list_blobs())


def delivered_files(folder):
    """{file name: content} of the visible files of an import folder."""
    files = {}
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if not name.startswith(".") and os.path.isfile(path):
            with open(path, "rb") as handle:
                files[name] = handle.read()
    return files


def staging_leftovers(folder):
    """Files of the hidden staging folder other than the lock."""
    path = os.path.join(folder, HIDDEN_FOLDER)
    if not os.path.isdir(path):
        return []
    return sorted(name for name in os.listdir(path) if name != "lock")
