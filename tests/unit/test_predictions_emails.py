"""Raw RFC 822 emails as predict-raw-emails documents (API reference 5.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic.emails import raw_email_document, raw_headers, read_raw_email

DATA = Path(__file__).resolve().parents[1] / "acceptance" / "data"

SIMPLE = b"From: a@example.com\r\nSubject: Hello\r\n\r\nBody line 1\r\nBody line 2\r\n"


def test_a_plain_email_becomes_headers_and_a_plain_body() -> None:
    assert raw_email_document(SIMPLE) == {
        "raw_email": {
            "headers": {"raw": "From: a@example.com\nSubject: Hello"},
            "body": {"plain": "Body line 1\nBody line 2\n"},
        }
    }


def test_headers_keep_order_repeats_and_encoded_words_but_are_unfolded() -> None:
    raw = (
        b"Received: from a\r\n\tby b; Mon, 1 Sep 2025 07:52:03 +0100\r\n"
        b"Received: from c by d\r\n"
        b"Subject: =?utf-8?q?Caf=C3=A9_order?=\r\n"
        b"To: one@example.com,\r\n  two@example.com\r\n"
        b"\r\n"
        b"x\r\n"
    )
    assert raw_headers(raw).splitlines() == [
        "Received: from a by b; Mon, 1 Sep 2025 07:52:03 +0100",
        "Received: from c by d",
        "Subject: =?utf-8?q?Caf=C3=A9_order?=",
        "To: one@example.com, two@example.com",
    ]


def test_bodies_are_decoded_from_transfer_encoding_and_charset() -> None:
    raw = (
        b"From: a@example.com\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n"
        b"\n"
        b"Caf=E9 order, =A312.99 refund please\n"
    )
    assert raw_email_document(raw)["raw_email"]["body"] == {"plain": "Café order, £12.99 refund please\n"}


def test_an_html_only_email_sends_html() -> None:
    raw = b"From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n<p>Order <b>ACM-1</b></p>\n"
    assert raw_email_document(raw)["raw_email"]["body"] == {"html": "<p>Order <b>ACM-1</b></p>\n"}


def test_the_acceptance_eml_has_both_bodies_and_an_attachment() -> None:
    document = raw_email_document(read_raw_email(DATA / "missing-order.eml"))
    email = document["raw_email"]
    headers = email["headers"]["raw"].splitlines()
    assert "Subject: Where is my order ACM-104233?" in headers
    assert headers[1].startswith("Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.")
    assert "never arrived. The tracking number RM830166133GB" in email["body"]["plain"]
    assert "£149.00" in email["body"]["plain"]
    assert email["body"]["html"].startswith("<html><body><p>Hi,</p>")
    assert email["attachments"] == [{"name": "receipt.pdf", "size": 78, "content_type": "application/pdf"}]


def test_user_properties_and_comment_id_are_passed_on() -> None:
    document = raw_email_document(SIMPLE, {"string:Channel": "email"}, "mail-1")
    assert document["user_properties"] == {"string:Channel": "email"}
    assert document["comment_id"] == "mail-1"


def test_text_without_headers_is_not_an_email() -> None:
    with pytest.raises(ReinferConfigurationError, match="has no header lines"):
        raw_email_document("Hello,\n\nwhere is my order?\n")


def test_read_raw_email_from_text_bytes_and_files(tmp_path: Path) -> None:
    assert read_raw_email("Subject: x\n\nbody") == b"Subject: x\n\nbody"
    assert read_raw_email(b"raw") == b"raw"
    eml = tmp_path / "mail.eml"
    eml.write_bytes(SIMPLE)
    assert read_raw_email(str(eml)) == SIMPLE
    assert read_raw_email(eml) == SIMPLE
    with pytest.raises(ReinferConfigurationError, match=r"neither raw RFC 822 text .* nor an existing file"):
        read_raw_email(str(tmp_path / "missing.eml"))
    with pytest.raises(ReinferConfigurationError, match="cannot be read"):
        read_raw_email(tmp_path)


def test_an_unknown_charset_falls_back_to_utf8() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=x-made-up\n\nCaf\xc3\xa9\r\n"
    assert raw_email_document(raw)["raw_email"]["body"] == {"plain": "Café\n"}
