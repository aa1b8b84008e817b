"""Background work on the desk: how many jobs wait, run and failed on each queue, and the
failed ones with a button that queues them again (after the cause is fixed: an SMTP server
set up, a flow restored)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from voicebot.admin.blueprint import bp
from voicebot.admin.i18n import gettext as _
from voicebot.jobs import jobs

PAGE = 100
WHAT = {
    "process_voicemail": "Voicemail",
    "run_callbacks": "Callbacks",
    "send_voicemail_email": "Voicemail e-mail",
    "sweep": "Recovery sweep",
}
"""A job's function, as the desk names the work."""
STATUS = {"todo": "queued", "doing": "running", "failed": "failed", "succeeded": "done",
          "cancelled": "canceled", "aborted": "canceled"}
QUEUE = {"quick": "calls and SMS", "transcription": "transcription"}


def what(task: str, args: list[object]) -> str:
    name = WHAT.get(task.rpartition(":")[2])
    label = _(name) if name else task.rpartition(":")[2]
    if not args:
        return label
    first = args[0]
    return f"{label} " + (", ".join(f"#{n}" for n in first) if isinstance(first, list)
                          else f"#{first}")


@bp.get("/jobs")
def jobs_page() -> ResponseReturnValue:
    report = jobs().report(PAGE)
    queues = sorted({queue for queue, _status in report.counts})
    return render_template("admin/jobs.html", report=report, queues=queues, what=what,
                           status_word=STATUS, queue_word=QUEUE)


@bp.post("/jobs/<job_id>/retry")
def retry_job(job_id: str) -> ResponseReturnValue:
    if jobs().retry(job_id):
        current_app.logger.info("desk: %s queued job %s again", g.desk_user, job_id)
        flash(_("The job is queued again."))
    else:
        flash(_("That job cannot be queued again."))
    return redirect(url_for("admin.jobs_page"))
