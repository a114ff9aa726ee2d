"""A printable handout per graduate: their name, the QR code of their private wallet link and
what it is for, for coordinators who hand the links out on paper at the end of a class."""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from sqlmodel import Session, col, select

from registry.actors import Actor
from registry.credentials.service import Issuer, holder_name
from registry.people.service import officer_region_id
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from registry.training.service import get_class


@dataclass(frozen=True)
class Handout:
    name: str
    post_id: str
    credential_id: str
    wallet_url: str
    qr_data_uri: str  # an SVG, inline: the page prints without further requests
    email: str | None = None
    protected: bool = False


def _qr(url: str) -> str:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def class_handouts(
    session: Session, actor: Actor, issuer: Issuer, class_id: uuid.UUID
) -> list[Handout]:
    """One handout per officer certified from the class who serves in the actor's region (a
    wallet link is the officer's private page: it goes to whoever coordinates them now)."""
    klass = get_class(session, actor, class_id)
    rows = session.exec(
        select(Credential, Officer)
        .join(Officer, col(Officer.id) == Credential.officer_id)
        .where(Credential.class_id == klass.id)
        .order_by(Officer.last_name, Officer.first_name, col(Credential.generation).desc())
    ).all()
    out: list[Handout] = []
    seen: set[uuid.UUID] = set()
    for credential, officer in rows:
        if officer.id in seen or not actor.can_act_in(officer_region_id(session, officer.id)):
            continue
        seen.add(officer.id)
        url = issuer.wallet_url(officer)
        out.append(
            Handout(
                name=holder_name(officer),
                post_id=officer.post_id,
                credential_id=credential.id,
                wallet_url=url,
                qr_data_uri=_qr(url),
                email=officer.email,
                protected=officer.protected,
            )
        )
    return out
