# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Blob Batch answers Azurite does not give: a small HTTP peer answers as Azure documents it, or worse."""

import http.server
import threading

import pytest

from cegid_data_access.blobstore import AzureFailure, Container, TransferTuning, delete_batch

SAS = "sv=2021-08-06&sp=rld&sig=c2VjcmV0"


class BatchPeer(http.server.ThreadingHTTPServer):
    """Answers every POST with ``answer`` = (status, content type, body); keeps what it received."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received = []
        self.answer = (202, "multipart/mixed; boundary=batchresponse_x", b"")
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def container(self):
        return Container(f"http://127.0.0.1:{self.server_address[1]}/account/exports?{SAS}",
                         TransferTuning(connection_timeout=2, read_timeout=2))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), body))
        status, content_type, answer = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        if status != 202:
            self.send_header("x-ms-error-code", "AuthorizationPermissionMismatch")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def peer():
    server = BatchPeer()
    yield server
    server.shutdown()
    server.server_close()


def batch_answer(*parts, line_end="\r\n"):
    """A Blob Batch answer with ``parts`` = (Content-ID, status line, extra header lines)."""
    text = ""
    for content_id, status, headers in parts:
        text += (f"--batchresponse_x\nContent-Type: application/http\nContent-ID: {content_id}\n\n"
                 f"HTTP/1.1 {status}\n" + "".join(f"{header}\n" for header in headers) + "x-ms-version: 2021-08-06\n\n")
    return (text + "--batchresponse_x--\n").replace("\n", line_end).encode()


ITEMS = [("exports/ECRITURE 2025.csv", '"0x1"'), ("PAIE.csv", '"0x2"'), ("ANALYTIQ.csv", '"0x3"')]


def test_sub_requests_are_conditional_deletes_with_the_sas(peer):
    peer.answer = (202, "multipart/mixed; boundary=batchresponse_x",
                   batch_answer((0, "202 Accepted", []), (1, "202 Accepted", []), (2, "202 Accepted", [])))

    assert delete_batch(peer.container(), ITEMS) == [(202, None)] * 3

    path, headers, body = peer.received[0]
    assert path == f"/account/exports?restype=container&comp=batch&{SAS}"
    boundary = headers["Content-Type"].partition("boundary=")[2]
    parts = body.decode().split(f"--{boundary}")
    assert parts[0] == "" and parts[-1] == "--\r\n"
    for index, (part, (name, etag)) in enumerate(zip(parts[1:-1], ITEMS, strict=True)):
        assert f"\r\nContent-ID: {index}\r\n" in part
        quoted = name.replace(" ", "%20")
        assert f"\r\n\r\nDELETE /account/exports/{quoted}?{SAS} HTTP/1.1\r\n" in part
        assert f"\r\nIf-Match: {etag}\r\n" in part


def test_answers_are_matched_by_content_id_whatever_their_order_and_line_ends(peer):
    peer.answer = (202, 'multipart/mixed; boundary="batchresponse_x"', batch_answer(
        (2, "404 The specified blob does not exist.", ["x-ms-error-code: BlobNotFound"]),
        (0, "202 Accepted", ["x-ms-delete-type-permanent: true"]),
        (1, "412 The condition specified using HTTP conditional header(s) is not met.",
         ["x-ms-error-code: ConditionNotMet"]),
        line_end="\n"))

    assert delete_batch(peer.container(), ITEMS) == [(202, None), (412, "ConditionNotMet"), (404, "BlobNotFound")]


@pytest.mark.parametrize("answer", [
    batch_answer((0, "202 Accepted", []), (1, "202 Accepted", [])),  # one sub-request not answered
    batch_answer((0, "202 Accepted", []), (1, "202 Accepted", []), (2, "202 Accepted", []))[:-120],  # cut
    b"<html>a proxy's error page</html>",
], ids=["missing", "cut", "not-a-batch"])
def test_an_answer_that_does_not_account_for_every_delete_is_worth_another_try(peer, answer):
    peer.answer = (202, "multipart/mixed; boundary=batchresponse_x", answer)

    with pytest.raises(AzureFailure) as info:
        delete_batch(peer.container(), ITEMS)

    assert info.value.transient and not info.value.denied


def test_every_delete_refused_is_a_refusal_of_the_sas(peer):
    refused = ["x-ms-error-code: AuthorizationPermissionMismatch"]
    peer.answer = (202, "multipart/mixed; boundary=batchresponse_x", batch_answer(
        *((index, "403 This request is not authorized to perform this operation.", refused) for index in range(3))))

    with pytest.raises(AzureFailure) as info:
        delete_batch(peer.container(), ITEMS)

    assert info.value.denied and str(info.value) == "HTTP 403 AuthorizationPermissionMismatch"


def test_a_refused_batch_keeps_its_status_and_code(peer):
    peer.answer = (403, "application/xml", b"<Error/>")

    with pytest.raises(AzureFailure) as info:
        delete_batch(peer.container(), ITEMS)

    assert (info.value.status, info.value.code, info.value.denied) == (403, "AuthorizationPermissionMismatch", True)
