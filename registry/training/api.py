"""HTTP routes for courses, classes, enrollment, attendance, results and rosters."""

from __future__ import annotations

import builtins

from litestar import Controller, get, post
from litestar.params import JSONBody

from registry.accounts.guards import office, staff
from registry.common import copied
from registry.http.deps import CurrentActor, DbSession, Now, PathUUID, ProgramZone
from registry.training import attendance, enrollment, results, schemas, service, standing


class CourseController(Controller):
    path = "/api/v1/courses"
    tags = ("courses",)

    @get("/", guards=[staff], sync_to_thread=True)
    def list(self, session: DbSession) -> list[schemas.CoursePublic]:
        return service.list_courses(session)


class ClassController(Controller):
    path = "/api/v1/classes"
    tags = ("classes",)

    @post("/", guards=[office], sync_to_thread=True)
    def create(
        self,
        session: DbSession,
        actor: CurrentActor,
        data: JSONBody[schemas.ClassCreate],
        zone: ProgramZone,
        now: Now,
    ) -> schemas.ClassPublic:
        made = service.create_class(session, actor, data, zone, now=now)
        return service.class_public(session, made)

    @get("/", guards=[staff], sync_to_thread=True)
    def list(self, session: DbSession, actor: CurrentActor) -> list[schemas.ClassPublic]:
        return service.list_classes(session, actor)

    @get("/{class_id:uuid}", guards=[staff], sync_to_thread=True)
    def read(
        self, session: DbSession, actor: CurrentActor, class_id: PathUUID
    ) -> schemas.ClassPublic:
        return service.class_public(session, service.get_class(session, actor, class_id))

    @post("/{class_id:uuid}/enrollments", guards=[office], sync_to_thread=True)
    def enroll(
        self,
        session: DbSession,
        actor: CurrentActor,
        class_id: PathUUID,
        data: JSONBody[schemas.EnrollmentCreate],
        zone: ProgramZone,
    ) -> schemas.EnrollmentPublic:
        made = enrollment.enroll(session, actor, class_id, data, zone)
        return copied(schemas.EnrollmentPublic, made)

    @post("/{class_id:uuid}/attendance", guards=[staff], sync_to_thread=True, status_code=200)
    def attendance(
        self,
        session: DbSession,
        actor: CurrentActor,
        class_id: PathUUID,
        data: JSONBody[schemas.AttendanceBatch],
    ) -> schemas.BatchSaved:
        return schemas.BatchSaved(
            saved=attendance.record_attendance(session, actor, class_id, data)
        )

    @post("/{class_id:uuid}/results", guards=[staff], sync_to_thread=True, status_code=200)
    def results(
        self,
        session: DbSession,
        actor: CurrentActor,
        class_id: PathUUID,
        data: JSONBody[schemas.ResultsBatch],
    ) -> schemas.BatchSaved:
        return schemas.BatchSaved(saved=results.record_results(session, actor, class_id, data))

    @get("/{class_id:uuid}/results", guards=[staff], sync_to_thread=True)
    def result_history(
        self, session: DbSession, actor: CurrentActor, class_id: PathUUID
    ) -> builtins.list[schemas.ResultAttemptPublic]:
        """Every exam and scenario result recorded in the class, retakes after the first."""
        return results.result_history(session, actor, class_id)

    @get("/{class_id:uuid}/roster", guards=[staff], sync_to_thread=True)
    def roster(
        self, session: DbSession, actor: CurrentActor, class_id: PathUUID, zone: ProgramZone
    ) -> schemas.Roster:
        return standing.roster(session, actor, class_id, zone)
