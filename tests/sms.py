"""The sandbox SMS gateway writes each code to the `shop.sms` log: tests read it there."""

import logging
import re


def sent_code(caplog, mobile: str) -> str | None:
    """The last code the sandbox sent to `mobile` (caplog must capture `shop.sms`)."""
    codes = [re.search(r"code (\d{6})", record.getMessage()).group(1) for record in caplog.records
             if record.name == "shop.sms" and f" {mobile}:" in record.getMessage()]
    return codes[-1] if codes else None


def ask_code(client, caplog, mobile: str, purpose: str = "register") -> str | None:
    caplog.set_level(logging.INFO, logger="shop.sms")
    client.post("/accounts/sms-code/", {"mobile": mobile, "purpose": purpose})
    return sent_code(caplog, mobile)
