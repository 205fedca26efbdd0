"""What awards hold about a person, for merging two records of one person
(core/people): the nominations they made (as an account or as a guest by
address) and their judging (panel places, conflict declarations, score sheets).

Nominations never conflict: one person may nominate often. Judging does: a
judge sits on a category's panel once and scores a nomination once, so where
both accounts did, the kept account's stays, except that a declared conflict
always wins (it takes the judge off the nomination, scores and all).
"""
from sqlalchemy import String, delete, func, literal, select, update

from core.extensions import db
from core.people.registry import Change, Records, records
from awards.models import ConflictDeclaration, ConflictKind, Nomination, PanelMember, ScoreSheet


def _nominations_of(someone):
    if someone.user is not None:
        return Nomination.nominator_id == someone.user.id
    return (Nomination.nominator_id.is_(None)) & (Nomination.nominator_email == someone.email)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _preview(merged, kept) -> list[Change]:
    changes = []
    nominations = _count(Nomination, _nominations_of(merged))
    if nominations:
        changes.append(Change(f"{nominations} {'nomination' if nominations == 1 else 'nominations'} made",
                              "move to the kept record"))
    if merged.user is None or kept.user is None:
        return changes
    source, target = merged.user.id, kept.user.id
    panels = _count(PanelMember, PanelMember.user_id == source)
    if panels:
        changes.append(Change(f"Judging panels: {panels}", "move; a panel both sit on keeps one place"))
    sheets = _count(ScoreSheet, ScoreSheet.judge_id == source)
    declarations = _count(ConflictDeclaration, ConflictDeclaration.judge_id == source)
    if sheets or declarations:
        clashes = _count(ScoreSheet, ScoreSheet.judge_id == source, ScoreSheet.nomination_id.in_(
            select(ScoreSheet.nomination_id).where(ScoreSheet.judge_id == target)))
        changes.append(Change(f"Score sheets: {sheets}; conflict declarations: {declarations}",
                              "move" + (f"; {clashes} scored by both: the kept account's scores stay" if clashes
                                        else ""), conflict=bool(clashes)))
    return changes


def _move(merged, kept) -> dict[str, int]:
    values = {"nominator_email": kept.user.email if kept.user is not None else kept.email}
    if kept.user is not None:
        values["nominator_id"] = kept.user.id
    nominations = db.session.execute(update(Nomination).where(_nominations_of(merged)).values(**values),
                                     execution_options={"synchronize_session": False}).rowcount
    counts = {"nominations": nominations}
    if merged.user is not None and kept.user is not None:
        counts.update(_move_judging(merged.user.id, kept.user.id))
    db.session.flush()
    return counts


def _move_judging(source: int, target: int) -> dict[str, int]:
    on_panel = select(PanelMember.category_id).where(PanelMember.user_id == target).scalar_subquery()
    db.session.execute(delete(PanelMember).where(PanelMember.user_id == source, PanelMember.category_id.in_(on_panel)))
    panels = db.session.execute(update(PanelMember).where(PanelMember.user_id == source)
                                .values(user_id=target)).rowcount
    # A conflict declared by either account stands; otherwise the kept account's declaration.
    theirs_conflicted = select(ConflictDeclaration.nomination_id).where(
        ConflictDeclaration.judge_id == source, ConflictDeclaration.kind != ConflictKind.NONE)
    db.session.execute(delete(ConflictDeclaration).where(
        ConflictDeclaration.judge_id == target, ConflictDeclaration.kind == ConflictKind.NONE,
        ConflictDeclaration.nomination_id.in_(theirs_conflicted)))
    declared = select(ConflictDeclaration.nomination_id).where(ConflictDeclaration.judge_id == target)
    db.session.execute(delete(ConflictDeclaration).where(ConflictDeclaration.judge_id == source,
                                                         ConflictDeclaration.nomination_id.in_(declared)))
    declarations = db.session.execute(update(ConflictDeclaration).where(ConflictDeclaration.judge_id == source)
                                      .values(judge_id=target)).rowcount
    scored = select(ScoreSheet.nomination_id).where(ScoreSheet.judge_id == target)
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == source,
                                                             ScoreSheet.nomination_id.in_(scored))):
        db.session.delete(sheet)
    db.session.flush()
    sheets = db.session.execute(update(ScoreSheet).where(ScoreSheet.judge_id == source)
                                .values(judge_id=target)).rowcount
    conflicted = select(ConflictDeclaration.nomination_id).where(
        ConflictDeclaration.judge_id == target, ConflictDeclaration.kind != ConflictKind.NONE)
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == target,
                                                             ScoreSheet.nomination_id.in_(conflicted))):
        db.session.delete(sheet)
    db.session.flush()
    return {"judging panels": panels, "conflict declarations": declarations, "score sheets": sheets}


def _guest_keys():
    return select((literal("guest:", String) + Nomination.nominator_email).label("key")).where(
        Nomination.nominator_id.is_(None), Nomination.nominator_email != "")


records.add(40, Records("Awards", _preview, _move, _guest_keys), name="awards")
