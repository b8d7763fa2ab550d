"""The school's own settings (school.yml): today, its advising contact.

A school edits this file to hand students over to its advisors. It is checked when
the action server starts, like the knowledge file: a problem raises
`KnowledgeFileError` naming the file, the entry and what is wrong.
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from actions.knowledge import PROJECT_ROOT, FileReader

DEFAULT_SCHOOL_FILE = PROJECT_ROOT / "school.yml"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class AdvisingContact:
    office: str
    email: str
    phone: str
    hours: str
    booking_url: Optional[str] = None


def configured_school_file() -> Path:
    """The school's settings this process serves: SCHOOL_FILE, or the project's school.yml."""
    return Path(os.environ.get("SCHOOL_FILE") or DEFAULT_SCHOOL_FILE)


def load_advising_contact(path: Union[str, Path] = DEFAULT_SCHOOL_FILE) -> AdvisingContact:
    reader = FileReader(Path(path))
    document = reader.parse()
    root = reader.mapping(document, "top level", required=("advising",))
    body = reader.mapping(
        root["advising"], "advising", required=("office", "email", "phone", "hours"), optional=("booking_url",)
    )
    email = reader.text(body["email"], "advising email")
    if not EMAIL.match(email):
        raise reader.fail("advising email", f"{email!r} is not an email address")
    return AdvisingContact(
        office=reader.text(body["office"], "advising office"),
        email=email,
        phone=reader.text(body["phone"], "advising phone"),
        hours=reader.text(body["hours"], "advising hours"),
        booking_url=reader.url(body.get("booking_url"), "advising booking_url"),
    )

