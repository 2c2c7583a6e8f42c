"""Background tasks of the person registry: checking and running imports, finding duplicates."""

from __future__ import annotations

import logging

from django_tasks import TaskContext, task

logger = logging.getLogger(__name__)


@task(takes_context=True)
def import_check(context: TaskContext, job_id: int) -> str:
    """Check an uploaded file: refuse it, ask for a column mapping, or list its bad rows.
    A later attempt (the worker of the previous one died) checks the file again."""
    from frontline.people.imports import import_check as check

    job = check(job_id, retry=context.attempt > 1)
    return job.status if job is not None else "missing"


@task(takes_context=True)
def import_run(context: TaskContext, job_id: int) -> str:
    """Import a confirmed file into the registry; a later attempt resumes after the last
    committed batch."""
    from frontline.people.imports import import_execute

    job = import_execute(job_id, attempt=context.attempt)
    return job.status if job is not None else "missing"


@task()
def import_duplicates_find(person_ids: list[int] | None = None) -> int:
    """Queue the possible duplicates among the people an import created or changed (all
    people when the import was too large to list them). People registered or changed by hand
    are searched by the periodic `services.duplicates_search_queued`."""
    from frontline.people.models import Person
    from frontline.people.selectors import duplicate_candidates_find

    persons = None if person_ids is None else Person.objects.filter(  # scoped-ok: a task
        pk__in=person_ids)
    found = duplicate_candidates_find(persons=persons)
    if found:
        logger.info("people: %s possible duplicates queued for review", found)
    return found
