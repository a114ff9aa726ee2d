"""Console pages for classes: create, roster and enrollment, attendance grid, results, certify."""

from __future__ import annotations

import re
import uuid
from typing import Any

import anyio.to_thread
from litestar import get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from registry.accounts.guards import office
from registry.actors import Actor
from registry.coverage import nominations
from registry.credentials.deps import CurrentIssuer
from registry.credentials.handouts import class_handouts
from registry.credentials.service import certify_class_now
from registry.errors import InvalidInput
from registry.http.deps import (
    AnyRequest,
    CurrentMail,
    DbSession,
    Now,
    PathUUID,
    ProgramZone,
)
from registry.notices import service as notices
from registry.tables.people import Agency, Region
from registry.tables.training import Course
from registry.training import attendance as attendance_rules
from registry.training import enrollment, schemas, standing
from registry.training import results as result_rules
from registry.training import service as training
from registry.web.console.common import (
    actor_of,
    attempt,
    build,
    page,
    posted,
    redirect,
    text,
)
from registry.web.console.once import once


def _uuids(values: list[Any], field: str) -> list[uuid.UUID]:
    """Ids a page sent back (query or form), at most MAX_BULK; a mangled one is refused."""
    try:
        return [uuid.UUID(v) for v in values[:MAX_BULK] if isinstance(v, str) and v]
    except ValueError:
        raise InvalidInput(
            "The list was not sent as the page holds it; reload the page.", field=field
        ) from None


@get("/classes", sync_to_thread=True)
def classes(request: AnyRequest, session: DbSession, zone: ProgramZone) -> Template:
    """The classes, and the form to schedule one; `?agency=ID` (from the coverage page's agencies
    with a gap) ticks those agencies' nominated volunteers who are not certified, for the
    coordinator to confirm with the new class."""
    actor = actor_of(request)
    regions = session.exec(select(Region).order_by(Region.code)).all()
    agencies = _uuids(request.query_params.getall("agency", []), "agency")
    office = actor.is_office
    volunteers = nominations.volunteers(session, actor, agencies, zone) if office else []
    homes = {a.region_id for a in session.exec(select(Agency).where(col(Agency.id).in_(agencies)))}
    return page(
        request,
        "classes.html",
        title="Classes",
        classes=training.list_classes(session, actor),
        courses=session.exec(select(Course).order_by(Course.code)).all(),
        regions=[r for r in regions if actor.can_act_in(r.id)],
        volunteers=volunteers,
        chosen_region=next((r.code for r in regions if r.id in homes), None),
    )


@post("/classes", guards=[office])
async def add_class(
    request: AnyRequest, session: DbSession, zone: ProgramZone, now: Now
) -> Redirect | Template:
    """Schedules a class; the volunteers the form ticked are enrolled in it at once, each
    through the enrollment rules (the refused are named, the class stays)."""
    data, actor = await posted(request)
    values = {
        name: text(data, name)
        for name in ("course", "region", "start_date", "end_date", "location", "capacity")
    }

    def work() -> Redirect | Template:
        ticked = _uuids(data.getall("officer_id", []), "officer_id")
        made = training.create_class(
            session, actor, build(schemas.ClassCreate, values), zone, now=now
        )
        back = _back(made.id, "#roster")
        if not ticked:
            return redirect(f"/console/classes/{made.id}", "Class scheduled.")
        outcomes = enrollment.enroll_many(session, actor, made.id, [], ticked, zone)
        return _enrolled(request, session, actor, made.id, outcomes, back, "Class scheduled; ")

    back = "/console/classes"
    return await attempt(session, once(session, actor, data, work, back), back=back)


def _enrolled(
    request: AnyRequest,
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    outcomes: list[enrollment.EnrollOutcome],
    back: str,
    said: str = "",
) -> Redirect | Template:
    """After an enrollment: a message when everyone was enrolled, else the report naming the
    refused with their rule."""
    enrolled = [o for o in outcomes if o.enrolled]
    refused = [o for o in outcomes if not o.enrolled]
    if not refused:
        n = len(enrolled)
        who = f"{enrolled[0].name} ({enrolled[0].post_id})" if n == 1 else f"{n} officers"
        return redirect(back, f"{said}{who} enrolled.")
    return _class_report(
        request,
        session,
        actor,
        class_id,
        "enroll_report.html",
        "Enrollment",
        enrolled=enrolled,
        refused=refused,
    )


def _class_report(
    request: AnyRequest,
    session: Session,
    actor: Actor,
    class_id: uuid.UUID,
    template: str,
    title: str,
    **context: Any,
) -> Template:
    """A page that reports on what was just done to a class, with the class's heading facts."""
    klass = training.class_public(session, training.get_class(session, actor, class_id))
    return page(request, template, title=title, klass=klass, **context)


@get("/classes/{class_id:uuid}", sync_to_thread=True)
def klass(
    request: AnyRequest, session: DbSession, class_id: PathUUID, zone: ProgramZone
) -> Template:
    view = standing.class_page(session, actor_of(request), class_id, zone)
    return page(
        request,
        "class.html",
        title=f"Class at {view.klass.location}",
        klass=view.klass,
        course=view.course,
        modules=view.modules,
        roster=view.roster,
        can_enroll=view.may_enroll,
        enrollable=view.enrollable,
        attended=view.attended,
        makeups=view.makeups,
        other_classes=view.other_classes,
        # Messages after a save appear in the section that was saved, not at the top.
        flash_sections=("roster", "attendance", "results"),
    )


def _back(class_id: uuid.UUID, anchor: str = "") -> str:
    return f"/console/classes/{class_id}{anchor}"


# POST ids as people paste them: one a line, or separated by commas, semicolons or spaces.
_SEPARATORS = re.compile(r"[\s,;]+")
MAX_BULK = 500


@post("/classes/{class_id:uuid}/enroll", guards=[office])
async def enroll(
    request: AnyRequest, session: DbSession, class_id: PathUUID, zone: ProgramZone
) -> Redirect | Template:
    """Pasted POST ids and ticked officers, each through the enrollment rules; the refused are
    named with the rule and the rest enrolled."""
    data, actor = await posted(request)
    back = _back(class_id, "#roster")
    typed = [p for p in _SEPARATORS.split(f"{text(data, 'post_ids')} {text(data, 'post_id')}") if p]
    ticked = [value for value in data.getall("officer_id", []) if isinstance(value, str) and value]
    if not typed and not ticked:
        return redirect(back, "Paste POST ids or tick officers to enroll.", error=True)
    if len(typed) + len(ticked) > MAX_BULK:
        return redirect(back, f"At most {MAX_BULK} officers at a time.", error=True)

    def work() -> Redirect | Template:
        ids = _uuids(ticked, "officer_id")
        outcomes = enrollment.enroll_many(session, actor, class_id, typed, ids, zone)
        return _enrolled(request, session, actor, class_id, outcomes, back)

    return await attempt(session, work, back=back)


def _hours(data: FormMultiDict, key: str) -> float | None:
    raw = text(data, key)
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a number of hours.", field=key) from None
    if value != value or value < 0:  # NaN or negative
        raise InvalidInput(f"{raw!r} is not a number of hours.", field=key)
    return value


@post("/classes/{class_id:uuid}/attendance")
async def attendance(request: AnyRequest, session: DbSession, class_id: PathUUID) -> Redirect:
    """The whole grid (officers x modules) in one submit; a blank cell leaves the cell alone."""
    data, actor = await posted(request)
    back = _back(class_id, "#attendance")

    def work() -> str:
        records = []
        for key in data:
            if not key.startswith("h:"):
                continue
            parts = key.split(":", 2)
            if len(parts) != 3 or not parts[1] or not parts[2]:
                raise InvalidInput(
                    "The attendance grid was not sent as the page holds it; reload the page.",
                    field=key[:80],
                )
            _, officer_id, module = parts
            hours = _hours(data, key)
            if hours is not None:
                records.append({"officer_id": officer_id, "module": module, "hours": hours})
        if not records:
            raise InvalidInput("Nothing to save: every cell was blank.")
        batch = build(schemas.AttendanceBatch, {"records": records})
        n = attendance_rules.record_attendance_changes(session, actor, class_id, batch)
        return f"Attendance saved ({n} cells)." if n else "Nothing changed in the grid."

    return await attempt(session, work, back=back)


@post("/classes/{class_id:uuid}/attendance/full")
async def attendance_full(request: AnyRequest, session: DbSession, class_id: PathUUID) -> Redirect:
    """Full hours in one press: `scope` is "all", "officer:<id>" or "module:<code>"."""
    data, actor = await posted(request)
    back = _back(class_id, "#attendance")
    kind, _, value = text(data, "scope").partition(":")

    def work() -> str:
        n = attendance_rules.full_attendance(session, actor, class_id, **_whose(kind, value))
        return f"Full attendance recorded ({n} cells). Edit any exceptions below."

    return await attempt(session, work, back=back)


def _whose(kind: str, value: str) -> dict[str, Any]:
    """Whose attendance "Full hours" fills: everyone's, a module's or an officer's."""
    if kind == "all":
        return {}
    if kind == "module" and value:
        return {"module": value}
    if kind == "officer":
        try:
            return {"officer_id": uuid.UUID(value)}
        except ValueError:
            raise InvalidInput("No such officer in this class.", field="scope") from None
    raise InvalidInput("Choose whose attendance to fill.", field="scope", rule="choice")


@post("/classes/{class_id:uuid}/makeup")
async def makeup(
    request: AnyRequest, session: DbSession, class_id: PathUUID, zone: ProgramZone, now: Now
) -> Redirect:
    """Hours of a module made up in another class of the course or a make-up session."""
    data, actor = await posted(request)
    back = _back(class_id, "#attendance")
    values: dict[str, str | None] = {
        name: text(data, name)
        for name in ("officer_id", "module", "hours", "held_on", "location", "note")
    }
    values["source_class_id"] = text(data, "source_class_id") or None

    def work() -> str:
        row = attendance_rules.record_makeup(
            session, actor, class_id, build(schemas.MakeupCreate, values), zone, now=now
        )
        return f"{row.hours:g} make-up hours recorded."

    return await attempt(session, once(session, actor, data, work, back), back=back)


@post("/classes/{class_id:uuid}/results/pass")
async def results_pass(request: AnyRequest, session: DbSession, class_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    back = _back(class_id, "#results")
    field = text(data, "field")
    label = {"written_exam": "written exam", "scenario_evaluation": "scenario evaluation"}

    def work() -> str:
        n = result_rules.pass_everyone(session, actor, class_id, field)
        return f"A pass in the {label.get(field, field)} recorded for {n} officers."

    return await attempt(session, work, back=back)


@post("/classes/{class_id:uuid}/results")
async def results(request: AnyRequest, session: DbSession, class_id: PathUUID) -> Redirect:
    data, actor = await posted(request)
    back = _back(class_id, "#results")

    def work() -> str:
        rows: dict[str, dict[str, Any]] = {}
        for key in data:
            kind, _, officer_id = key.partition(":")
            if kind in ("written_exam", "scenario_evaluation") and text(data, key):
                rows.setdefault(officer_id, {"officer_id": officer_id})[kind] = text(data, key)
        if not rows:
            raise InvalidInput("Nothing to save: no result was chosen.")
        batch = build(schemas.ResultsBatch, {"records": list(rows.values())})
        n = result_rules.record_results_changes(session, actor, class_id, batch)
        return f"Results saved for {n} officers." if n else "No result changed."

    return await attempt(session, work, back=back)


@get("/classes/{class_id:uuid}/certify", guards=[office], sync_to_thread=True)
def confirm_certify(
    request: AnyRequest, session: DbSession, class_id: PathUUID, zone: ProgramZone
) -> Template:
    actor = actor_of(request)
    roster = standing.roster(session, actor, class_id, zone)
    return page(
        request,
        "certify.html",
        title="Certify graduates",
        klass=training.class_public(session, training.get_class(session, actor, class_id)),
        ready=[o for o in roster.officers if o.eligible and not o.credential_id],
        done=[o for o in roster.officers if o.credential_id],
        not_ready=[o for o in roster.officers if not o.eligible and not o.credential_id],
    )


@post("/classes/{class_id:uuid}/certify", guards=[office])
async def certify(
    request: AnyRequest,
    issuer: CurrentIssuer,
    session: DbSession,
    class_id: PathUUID,
    zone: ProgramZone,
) -> Redirect | Template:
    """Issues the certifications, then says who got one and who was skipped, and why."""
    _, actor = await posted(request)
    back = _back(class_id, "#roster")

    def work() -> Template:
        outcome = certify_class_now(session, actor, issuer, class_id, zone)
        return page(
            request,
            "certify_result.html",
            title="Certification result",
            klass=training.class_public(session, training.get_class(session, actor, class_id)),
            issued=outcome.issued,
            skipped=outcome.skipped,
        )

    return await attempt(session, work, back=back)


@post("/classes/{class_id:uuid}/wallet-links", guards=[office])
async def email_wallet_links(
    request: AnyRequest,
    issuer: CurrentIssuer,
    mail: CurrentMail,
    zone: ProgramZone,
    session: DbSession,
    class_id: PathUUID,
) -> Redirect | Template:
    """Emails each graduate serving in the region their own wallet link (email on file); when
    some already got one, asks first, naming them and when."""
    data, actor = await posted(request)
    back = _back(class_id, "#roster")
    if text(data, "confirm") != "yes":

        def asked() -> Template | None:
            # The class first: another region's class answers as the class page does.
            klass = training.class_public(session, training.get_class(session, actor, class_id))
            sent_before = notices.wallet_links_sent(session, class_id)
            if not sent_before:
                return None
            return page(
                request,
                "wallet_resend.html",
                title="Send the wallet links again?",
                klass=klass,
                sent_before=sent_before,
            )

        question = await anyio.to_thread.run_sync(asked)
        if question is not None:
            return question

    def work() -> Template:
        program, sender = notices.mail_setup(mail, issuer.name, issuer.public_url, zone)
        try:
            mailing = notices.email_wallet_links(
                session,
                actor,
                issuer,
                class_id,
                program,
                sender=sender,
                outbox=mail.outbox,
            )
        finally:
            if sender is not None:
                sender.close()
        return _class_report(
            request,
            session,
            actor,
            class_id,
            "wallet_mailing.html",
            "Wallet links",
            mailing=mailing,
        )

    return await attempt(session, work, back=back)


@get("/classes/{class_id:uuid}/handouts", guards=[office], sync_to_thread=True)
def handouts(
    request: AnyRequest,
    issuer: CurrentIssuer,
    session: DbSession,
    class_id: PathUUID,
) -> Template:
    """A page per graduate to print and hand out: the QR code of their wallet link."""
    actor = actor_of(request)
    return page(
        request,
        "handouts.html",
        title="Wallet handouts",
        klass=training.class_public(session, training.get_class(session, actor, class_id)),
        handouts=class_handouts(session, actor, issuer, class_id),
    )


HANDLERS = [
    classes,
    add_class,
    klass,
    enroll,
    attendance,
    attendance_full,
    makeup,
    results,
    results_pass,
    confirm_certify,
    certify,
    handouts,
    email_wallet_links,
]
