"""Normalise and check customer contact data and identifiers for Poland, Brazil and elsewhere.

Every function takes raw user input and returns the form to store, or raises `InvalidInput`
naming the field. An empty input gives "": whether a value is required is the caller's call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from stdnum.br import cnpj, cpf
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.pl import nip, pesel, regon

from rota.core.errors import InvalidInput

PERSON = "person"
COMPANY = "company"

MAX_OTHER_TAX_ID = 40
MAX_OTHER_MUNICIPALITY_CODE = 20

_PHONE_EXAMPLES = {"PL": "+48 501 234 567", "BR": "+55 11 91234-5678"}
_OTHER_PHONE_EXAMPLE = "+44 20 7946 0958"

# The 16 voivodeships (województwa) carry the even TERYT codes 02 to 32.
_TERYT_VOIVODESHIPS = frozenset(f"{n:02d}" for n in range(2, 33, 2))
# TERYT unit types: 1 urban, 2 rural, 3 urban-rural gmina, 4 its town, 5 its rural area,
# 8 a district of Warsaw, 9 a delegation (delegatura) of Kraków, Łódź, Poznań or Wrocław.
_TERYT_TYPES = frozenset("1234589")
# IBGE state (UF) codes; the first digit is the region (1 North ... 5 Centre-West).
_IBGE_STATES = frozenset(
    {"11", "12", "13", "14", "15", "16", "17"}
    | {"21", "22", "23", "24", "25", "26", "27", "28", "29"}
    | {"31", "32", "33", "35"}
    | {"41", "42", "43"}
    | {"50", "51", "52", "53"}
)
# Real municipalities whose IBGE codes break the check digit rule, listed in the NF-e manual:
# the first six digits (unique per municipality) and the seventh digit actually assigned.
_IBGE_CHECK_DIGIT_EXCEPTIONS = {
    "220191": "9",  # 2201919 Bom Princípio do Piauí/PI
    "220198": "8",  # 2201988 Brejo do Piauí/PI
    "220225": "1",  # 2202251 Canavieira/PI
    "261153": "3",  # 2611533 Quixaba/PE
    "311783": "6",  # 3117836 Cônego Marinho/MG
    "315213": "1",  # 3152131 Ponto Chique/MG
    "430587": "1",  # 4305871 Coronel Barros/RS
    "520393": "9",  # 5203939 Buriti de Goiás/GO
    "520396": "2",  # 5203962 Buritinópolis/GO
}


@dataclass(frozen=True)
class _Document:
    """A national identifier checked by python-stdnum."""

    name: str
    shape: str
    check_digits: str
    validate: Callable[[str], str]
    format: Callable[[str], str] | None = None


_PESEL = _Document("PESEL", "11 digits", "a wrong check digit", pesel.validate)
_NIP = _Document(
    "NIP", "10 digits, e.g. 526-000-12-46", "a wrong check digit", nip.validate, nip.format
)
_CPF = _Document(
    "CPF", "11 digits, e.g. 390.533.447-05", "wrong check digits", cpf.validate, cpf.format
)
# Since July 2026 a CNPJ may also hold capital letters; python-stdnum accepts both forms.
_CNPJ = _Document(
    "CNPJ",
    "14 characters, e.g. 00.000.000/0001-91",
    "wrong check digits",
    cnpj.validate,
    cnpj.format,
)
_REGON = _Document("REGON", "9 or 14 digits", "a wrong check digit", regon.validate)

_TAX_IDS = {
    ("PL", PERSON): _PESEL,
    ("PL", COMPANY): _NIP,
    ("BR", PERSON): _CPF,
    ("BR", COMPANY): _CNPJ,
}


def normalize_phone(raw: str, *, country: str, field: str = "phone") -> str:
    """Return the phone number in E.164 form, reading national numbers as `country`'s.

    `country` is "PL", "BR" or any other code, which means the number must start with +.
    """
    text = raw.strip()
    if not text:
        return ""
    region = country if country in _PHONE_EXAMPLES else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if region is None:
            message = (
                f"is not a valid international phone number; write it as {_OTHER_PHONE_EXAMPLE}"
            )
        else:
            message = (
                f"is not a valid phone number for {region}; write it as {_PHONE_EXAMPLES[region]}"
            )
        raise InvalidInput.single(field, message)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Return the e-mail address stripped, with its domain in lower case."""
    text = raw.strip()
    if not text:
        return ""
    # The local part may be case-sensitive (RFC 5321), so only the domain is lowered.
    local, at, domain = text.rpartition("@")
    address = f"{local}{at}{domain.lower()}" if at else text
    try:
        validate_email(address)
    except DjangoValidationError:
        raise InvalidInput.single(field, "is not a valid email address") from None
    return address


def normalize_tax_id(raw: str, *, country: str, kind: str, field: str = "tax_id") -> str:
    """Return the tax id of a `kind` ("person" or "company") in `country` in compact form.

    PL: PESEL for people, NIP for companies; BR: CPF and CNPJ; elsewhere free text.
    """
    _check_kind(kind)
    text = raw.strip()
    if not text:
        return ""
    document = _TAX_IDS.get((country, kind))
    if document is None:
        if len(text) > MAX_OTHER_TAX_ID:
            raise InvalidInput.single(field, f"must be at most {MAX_OTHER_TAX_ID} characters")
        return text
    number = _validate(document, text, field)
    # A CPF of one digit repeated passes the checksum but is never issued.
    if document is _CPF and len(set(number)) == 1:
        raise InvalidInput.single(field, "is not a valid CPF: it repeats one digit")
    return number


def normalize_regon(raw: str, *, field: str = "regon") -> str:
    """Return the Polish REGON in compact form."""
    text = raw.strip()
    if not text:
        return ""
    return _validate(_REGON, text, field)


def format_tax_id(value: str, *, country: str, kind: str) -> str:
    """Return the stored tax id in its usual display form; leave anything unrecognised as is."""
    _check_kind(kind)
    document = _TAX_IDS.get((country, kind))
    if document is None or document.format is None:
        return value
    try:
        return document.format(document.validate(value))
    except ValidationError:
        return value


def validate_municipality_code(raw: str, *, country: str, field: str = "municipality_code") -> str:
    """Return the municipality code: PL TERYT, BR IBGE, elsewhere free text."""
    text = raw.strip()
    if not text:
        return ""
    if country == "PL":
        if not _is_teryt_municipality(text):
            raise InvalidInput.single(
                field, "is not a valid TERYT municipality code (7 digits, e.g. 1465011)"
            )
        return text
    if country == "BR":
        if not (_is_digits(text, 7) and text[:2] in _IBGE_STATES):
            raise InvalidInput.single(
                field, "is not a valid IBGE municipality code (7 digits, e.g. 3550308)"
            )
        expected = _IBGE_CHECK_DIGIT_EXCEPTIONS.get(text[:6]) or _ibge_check_digit(text[:6])
        if text[6] != expected:
            raise InvalidInput.single(
                field, "is not a valid IBGE municipality code: it has a wrong check digit"
            )
        return text
    if len(text) > MAX_OTHER_MUNICIPALITY_CODE:
        raise InvalidInput.single(
            field, f"must be at most {MAX_OTHER_MUNICIPALITY_CODE} characters"
        )
    return text


def _check_kind(kind: str) -> None:
    """Reject a kind other than person or company: that is a programming error."""
    if kind not in (PERSON, COMPANY):
        raise ValueError(f"kind must be {PERSON!r} or {COMPANY!r}, not {kind!r}")


def _validate(document: _Document, text: str, field: str) -> str:
    """Return `text` compacted by the document's validator, or raise naming what is wrong."""
    try:
        return document.validate(text)
    except InvalidChecksum:
        problem = f": it has {document.check_digits}"
    except InvalidComponent:
        # Only PESEL raises this among our documents: its first six digits are the birth date.
        problem = ": it holds an impossible birth date"
    except ValidationError:
        problem = f" ({document.shape})"
    raise InvalidInput.single(field, f"is not a valid {document.name}{problem}")


def _is_digits(text: str, length: int) -> bool:
    """Tell whether `text` is exactly `length` ASCII digits."""
    return len(text) == length and text.isascii() and text.isdigit()


def _is_teryt_municipality(code: str) -> bool:
    """Tell whether `code` has the shape of a TERYT gmina code: WWPPGGT."""
    return (
        _is_digits(code, 7)
        and code[0:2] in _TERYT_VOIVODESHIPS
        and code[2:4] != "00"
        and code[4:6] != "00"
        and code[6] in _TERYT_TYPES
    )


def _ibge_check_digit(first_six: str) -> str:
    """Return the IBGE check digit: mod 10, weights 1,2,1,2,1,2, digits of products summed."""
    total = 0
    for position, digit in enumerate(first_six):
        product = int(digit) * (1 if position % 2 == 0 else 2)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)
