"""Your jobs: long work you started that goes on after the page returned
(sending a batch of emails, drawing a large report), how far it has got, the
file it made, and your recent ones."""
from flask import Response, abort, render_template, url_for
from flask_login import current_user, login_required

from core import progress
from core.i18n import _, as_staff_screen, is_staff_screen_address, ngettext
from core.views import bp


@bp.get("/jobs")
@login_required
def jobs():
    recent = progress.recent_jobs_of(current_user.id)
    return render_template("core/jobs.html", jobs=[(job, summary(job, done, withheld=_file_withheld(job)))
                                                    for job, done in recent])


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id):
    found = _job_or_404(job_id)
    done = progress.progress_of([found])[found.id]
    withheld = _file_withheld(found)
    return render_template("core/job.html", job=found, progress=done, summary=summary(found, done, withheld=withheld),
                           status=status(found, done, withheld=withheld), withheld=withheld)


@bp.get("/jobs/<int:job_id>/progress")
@login_required
def job_progress(job_id):
    """What the job page's script asks every few seconds while the job runs:
    the same words the page shows when it is loaded again."""
    found = _job_or_404(job_id)
    done = progress.progress_of([found])[found.id]
    withheld = _file_withheld(found)
    return {**done.as_dict(), "summary": summary(found, done, withheld=withheld),
            "status": status(found, done, withheld=withheld),
            "file": url_for("core.job_file", job_id=found.id) if found.file_name and not withheld else None,
            "file_name": found.file_name}


@bp.get("/jobs/<int:job_id>/file")
@login_required
def job_file(job_id):
    found = _job_or_404(job_id)
    if not found.file_name:
        abort(404)
    if not progress.may_download(current_user, found):
        abort(403)
    return Response(found.file, mimetype=found.file_type,
                    headers={"Content-Disposition": f'attachment; filename="{found.file_name}"'})


def _file_withheld(job) -> bool:
    """The job kept a file its owner may no longer download: they lost the role that let them ask for it."""
    return job.file_name is not None and not progress.may_download(current_user, job)


def _job_or_404(job_id: int):
    """The person's job; its page is a staff screen (in English) when the work was started from one."""
    found = progress.job_of(current_user.id, job_id)
    if found is None:
        abort(404)
    if is_staff_screen_address(found.back_url):
        as_staff_screen()
    return found


def summary(job, done: progress.Progress, *, withheld: bool = False) -> str:
    """How far a job has got, in a sentence (the job's page and the list of jobs).
    `withheld`: its file is no longer its owner's to download."""
    if withheld:
        return _("The file is no longer yours to download: the role that let you ask for it has changed.")
    if job.steps_total is not None:
        failed = progress.error_of(job)
        if failed:
            return str(failed)
        if done.finished:
            return ngettext("All %(num)d row done.", "All %(num)d rows done.", done.total)
        return ngettext("%(done)d of %(num)d row checked; then they are imported all at once.",
                        "%(done)d of %(num)d rows checked; then they are imported all at once.",
                        done.total, done=done.sent)
    if job.makes_file:
        failed = progress.error_of(job)
        return str(failed or (_("The file is ready to download.") if done.finished
                              else _("Being drawn: a large report takes a minute or two.")))
    if done.total == 0:
        return _("There was nothing to send.")
    # Whole sentences for each case, each with the right plural for the number of emails.
    if done.waiting and done.failed:
        return ngettext("%(sent)d of %(num)d email sent; %(waiting)d still to go; %(failed)d could not be sent, and "
                        "the partnership's admins have been shown why.",
                        "%(sent)d of %(num)d emails sent; %(waiting)d still to go; %(failed)d could not be sent, and "
                        "the partnership's admins have been shown why.",
                        done.total, sent=done.sent, waiting=done.waiting, failed=done.failed)
    if done.waiting:
        return ngettext("%(sent)d of %(num)d email sent; %(waiting)d still to go.",
                        "%(sent)d of %(num)d emails sent; %(waiting)d still to go.",
                        done.total, sent=done.sent, waiting=done.waiting)
    if done.failed:
        return ngettext("%(sent)d of %(num)d email sent; %(failed)d could not be sent, and the partnership's admins "
                        "have been shown why.",
                        "%(sent)d of %(num)d emails sent; %(failed)d could not be sent, and the partnership's admins "
                        "have been shown why.",
                        done.total, sent=done.sent, failed=done.failed)
    return ngettext("%(sent)d of %(num)d email sent.", "%(sent)d of %(num)d emails sent.", done.total, sent=done.sent)


def status(job, done: progress.Progress, *, withheld: bool = False) -> str:
    """The line a screen reader announces when the job ends (empty until
    then), which takes the place of the summary on the job's page."""
    if not done.finished:
        return ""
    if (job.makes_file or job.steps_total is not None) and done.failed:
        return _("Stopped. %(summary)s", summary=summary(job, done))
    return _("Finished. %(summary)s", summary=summary(job, done, withheld=withheld))
