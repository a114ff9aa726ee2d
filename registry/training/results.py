"""Exam and scenario results: recorded in bulk, each change kept as an attempt (a retake never
overwrites the history; the latest attempt decides eligibility), audited."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlmodel import Session, col, func, select

from registry.actors import Actor
from registry.audit.service import record
from registry.common import utcnow
from registry.errors import InvalidInput, RuleViolation
from registry.tables.training import Result, ResultAttempt
from registry.training import schemas
from registry.training.enrollment import certified_ids, check_batch_officer, enrolled_ids
from registry.training.service import get_class

EVALUATIONS = ("written_exam", "scenario_evaluation")


def record_results_changes(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.ResultsBatch
) -> int:
    """The results table as the console sends it: only officers whose results differ from
    those on record are set (and audited); the number of officers changed."""
    klass = get_class(session, actor, class_id)
    stored = {
        officer_id: (written, scenario)
        for officer_id, written, scenario in session.exec(
            select(Result.officer_id, Result.written_exam, Result.scenario_evaluation).where(
                Result.class_id == klass.id
            )
        )
    }
    changed = []
    for r in data.records:
        written, scenario = stored.get(r.officer_id, (None, None))
        if (r.written_exam or written, r.scenario_evaluation or scenario) != (written, scenario):
            changed.append(r)
    if not changed:
        return 0
    return record_results(session, actor, class_id, schemas.ResultsBatch(records=changed))


def pass_everyone(session: Session, actor: Actor, class_id: uuid.UUID, field: str) -> int:
    """Records a pass in the written exam or the scenario evaluation for every open officer who
    has no result in it yet; a fail is then recorded for the few who did not pass."""
    if field not in ("written_exam", "scenario_evaluation"):
        raise InvalidInput(
            "Choose written_exam or scenario_evaluation.", field="field", rule="choice"
        )
    klass = get_class(session, actor, class_id)
    open_ids = enrolled_ids(session, klass.id) - certified_ids(session, klass.id)
    recorded = {
        officer_id
        for officer_id, value in session.exec(
            select(Result.officer_id, getattr(Result, field)).where(Result.class_id == klass.id)
        )
        if value is not None
    }
    waiting = sorted(open_ids - recorded)
    if not waiting:
        raise RuleViolation(
            "Every officer still open in this class already has this result.",
            field=field,
            rule="nothing_to_record",
        )
    records = [
        schemas.ResultRecord.model_validate({"officer_id": o, field: "pass"}) for o in waiting
    ]
    return record_results(session, actor, class_id, schemas.ResultsBatch(records=records))


def record_results(
    session: Session, actor: Actor, class_id: uuid.UUID, data: schemas.ResultsBatch
) -> int:
    klass = get_class(session, actor, class_id)
    enrolled = enrolled_ids(session, klass.id)
    certified = certified_ids(session, klass.id)
    seen: set[uuid.UUID] = set()
    for i, rec in enumerate(data.records):
        check_batch_officer(rec.officer_id, i, enrolled, certified)
        if rec.written_exam is None and rec.scenario_evaluation is None:
            raise InvalidInput(
                "Give written_exam, scenario_evaluation or both.",
                field=f"records[{i}]",
                rule="required",
            )
        if rec.officer_id in seen:
            raise InvalidInput(
                "The same officer appears twice in one submission.",
                field=f"records[{i}].officer_id",
                rule="duplicate",
            )
        seen.add(rec.officer_id)
    existing = {
        r.officer_id: r for r in session.exec(select(Result).where(Result.class_id == klass.id))
    }
    attempts = attempt_counts(session, klass.id)
    for rec in data.records:
        row = existing.get(rec.officer_id)
        before = None
        if row is None:
            row = Result(class_id=klass.id, officer_id=rec.officer_id)
        else:
            before = {
                "written_exam": row.written_exam,
                "scenario_evaluation": row.scenario_evaluation,
            }
        now = utcnow()
        retakes: dict[str, int] = {}
        for evaluation in EVALUATIONS:
            outcome = getattr(rec, evaluation)
            if outcome is None or outcome == getattr(row, evaluation):
                continue
            setattr(row, evaluation, outcome)
            count = attempts.get((rec.officer_id, evaluation), 0) + 1
            session.add(
                ResultAttempt(
                    class_id=klass.id,
                    officer_id=rec.officer_id,
                    evaluation=evaluation,
                    attempt=count,
                    outcome=outcome,
                    recorded_by=actor.user_id,
                    recorded_at=now,
                )
            )
            retakes[f"{evaluation}_attempt"] = count
        row.recorded_by = actor.user_id
        row.recorded_at = now
        session.add(row)
        marks = {"written_exam": row.written_exam, "scenario_evaluation": row.scenario_evaluation}
        record(
            session,
            actor,
            "results.set",
            "class",
            klass.id,
            before,
            {"officer_id": str(rec.officer_id), **marks, **retakes},
        )
    session.flush()
    return len(data.records)


def attempt_counts(session: Session, class_id: uuid.UUID) -> dict[tuple[uuid.UUID, str], int]:
    """How many attempts each officer of the class has on record in each evaluation."""
    query = (
        select(ResultAttempt.officer_id, ResultAttempt.evaluation, func.count())
        .where(ResultAttempt.class_id == class_id)
        .group_by(col(ResultAttempt.officer_id), col(ResultAttempt.evaluation))
    )
    return {(officer, evaluation): n for officer, evaluation, n in session.exec(query)}


def history(
    session: Session, class_id: uuid.UUID
) -> dict[uuid.UUID, list[schemas.ResultAttemptPublic]]:
    """Every result recorded in the class, per officer, in the order they were recorded."""
    out: dict[uuid.UUID, list[schemas.ResultAttemptPublic]] = defaultdict(list)
    for a in session.exec(
        select(ResultAttempt)
        .where(ResultAttempt.class_id == class_id)
        .order_by(col(ResultAttempt.recorded_at), col(ResultAttempt.evaluation))
    ):
        out[a.officer_id].append(
            schemas.ResultAttemptPublic(
                officer_id=a.officer_id,
                evaluation=a.evaluation,
                attempt=a.attempt,
                outcome=a.outcome,
                recorded_at=a.recorded_at,
            )
        )
    return out


def result_history(
    session: Session, actor: Actor, class_id: uuid.UUID
) -> list[schemas.ResultAttemptPublic]:
    """The class's result history for the API: every attempt, officers in roster order."""
    klass = get_class(session, actor, class_id)
    return [a for attempts in history(session, klass.id).values() for a in attempts]
