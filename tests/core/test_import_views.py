"""The import pages as a coordinator and an organiser use them: upload,
match the columns, check the rows, import, the summary and the refused rows;
and what they are told when the file or the event will not do."""
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from core.database import utcnow
from core.extensions import db
from core.models import SpreadsheetImport
from events.models import Attendance, Registration
from forums.models import ForumCoordinator, ForumInvitation
from tests.conftest import csrf_token, error_summary, sign_in
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory

SAMPLE = ("Name,Email address,Faith,Notes\n"
          "Amina Yusuf,amina@example.org,Islam,\n"
          "Bad Email,not-an-email,Christian,\n"
          "Piotr Nowak,piotr@example.org,Druidic,\n").encode()


def text_of(response):
    return response.get_data(as_text=True)


def upload(client, url, body, name="members.csv"):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "spreadsheet": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def coordinator_of_a_forum(app, make_user):
    coordinator = make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        return coordinator, forum.id


def test_a_coordinator_imports_members_and_downloads_the_rows_refused(app, client, make_user):
    coordinator, forum_id = coordinator_of_a_forum(app, make_user)
    sign_in(client, coordinator)
    assert "Import members from a spreadsheet" in text_of(client.get(f"/forums/{forum_id}"))
    upload_page = text_of(client.get(f"/imports/forum-members/{forum_id}"))  # the walk: it called faith optional
    assert "<li>Faith</li>" in upload_page and "<li>Organisation (optional)</li>" in upload_page
    uploaded = upload(client, f"/imports/forum-members/{forum_id}", SAMPLE)
    assert uploaded.status_code == 302
    columns_url = uploaded.location
    page = text_of(client.get(columns_url))
    assert "Match the columns" in page and 'value="1" selected' in page  # "Email address" guessed

    # An interfaith forum needs the faith: left unmatched, the page says so beside it and keeps the rest.
    assert "Faith (optional)" not in page
    token = csrf_token(client, columns_url)
    refused = client.post(columns_url, data={"csrf_token": token, "name": "0", "email": "1", "faith": ""})
    assert ("#faith", "Choose the column that holds faith") in error_summary(refused)
    assert 'value="1" selected' in text_of(refused)
    matched = client.post(columns_url, data={"csrf_token": token, "name": "0", "email": "1", "faith": "2"},
                          follow_redirects=True)
    page = text_of(matched)
    assert "Not an email address in the right form" in page and "Unknown faith “Druidic”" in page
    assert re.search(r'data-count="import">\s*1 row', page) and re.search(r'data-count="problem">\s*2 rows', page)
    # A column matched to nothing is said to be left out, before anything is imported (found by a walk).
    assert "Not imported: the column “<bdi>Notes</bdi>”, which you matched to nothing." in page
    import_id = int(re.search(r"/imports/(\d+)/run", page).group(1))

    done = client.post(f"/imports/{import_id}/run", data={"csrf_token": csrf_token(client, matched.request.path)},
                       follow_redirects=True)
    assert "1 imported from members.csv" in text_of(done)
    assert re.search(r'data-count="refused">\s*2 rows', text_of(done))
    refused = client.get(f"/imports/{import_id}/refused.csv")
    assert refused.status_code == 200 and refused.mimetype == "text/csv"
    body = refused.get_data().decode("utf-8-sig")
    assert "Row,Name,Email address" in body and "piotr@example.org" in body and "Unknown faith" in body
    with app.app_context():
        assert db.session.scalar(select(ForumInvitation.email)) == "amina@example.org"
        assert db.session.scalar(select(SpreadsheetImport.content)) is None
    # Imported people show on the members page until they sign up.
    assert "Amina Yusuf" in text_of(client.get(f"/forums/{forum_id}/manage"))


def test_a_hostile_or_wrong_file_is_refused_beside_the_field_and_nothing_kept(app, client, make_user):
    coordinator, forum_id = coordinator_of_a_forum(app, make_user)
    sign_in(client, coordinator)
    url = f"/imports/forum-members/{forum_id}"
    for body, name, message in ((b"PK\x03\x04junk", "members.xlsx", "not a working Excel workbook"),
                                (b"", "members.csv", "The file is empty"),
                                (b"x", "members.xlsm", "macros")):
        refused = upload(client, url, body, name)
        assert refused.status_code == 200 and ("#spreadsheet", ) == tuple(
            href for href, said in error_summary(refused) if message in said)
    missing = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert ("#spreadsheet", "Choose a spreadsheet to upload") in error_summary(missing)
    with app.app_context():
        assert db.session.scalar(select(func.count(SpreadsheetImport.id))) == 0


def test_someone_elses_import_is_not_there_and_a_non_coordinator_may_not_start_one(app, client, make_user):
    coordinator, forum_id = coordinator_of_a_forum(app, make_user)
    other_coordinator, _ = coordinator_of_a_forum(app, make_user)
    sign_in(client, coordinator)
    uploaded = upload(client, f"/imports/forum-members/{forum_id}", SAMPLE)
    other = app.test_client()
    sign_in(other, other_coordinator)
    assert other.get(uploaded.location).status_code == 404
    assert other.get(f"/imports/forum-members/{forum_id}").status_code == 403
    assert other.get("/imports/no-such-kind/1").status_code == 404


def test_an_organiser_imports_who_came_to_a_past_event(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        start = utcnow() - timedelta(days=3)
        event = EventFactory(title="Litter pick", organisers=[db.session.get(UserFactory._meta.model, organiser.id)],
                             starts_at=start, ends_at=start + timedelta(hours=2), capacity=3)
        event_id, day = event.id, start.strftime("%d/%m/%Y")
        UserFactory(email="member@example.org")
    sign_in(client, organiser)
    assert "Import who came from a spreadsheet" in text_of(client.get(f"/manage/events/{event_id}/check-in"))
    page = text_of(client.get(f"/imports/past-attendance/{event_id}"))
    assert "not emailed, not sent the event&#39;s outcome survey and not reached by messages" in page
    assert "Dates may be Excel dates" in page
    body = (f"Attendee,E-mail,Party size,Arrived\nJan Kowalski,jan@example.org,3,{day} 10:00\n"
            "Mem Ber,member@example.org,,\nNo Good,x@example.org,0,\n").encode()
    uploaded = upload(client, f"/imports/past-attendance/{event_id}", body)
    preview = client.post(uploaded.location, data={"csrf_token": csrf_token(client, uploaded.location),
                                                   "name": "0", "email": "1", "people": "2", "checked_in_at": "3"},
                          follow_redirects=True)
    assert "Enter a whole number of people from 1 to 50" in text_of(preview)
    assert "Email the people imported" not in text_of(preview)  # this kind emails nobody
    assert ("These rows are 4 people, and Litter pick has 3 of its 3 places left: it will show 1 more booked than "
            "it has places.") in text_of(preview)  # the walk: an import took the event past its places unsaid
    import_id = int(re.search(r"/imports/(\d+)/run", text_of(preview)).group(1))
    client.post(f"/imports/{import_id}/run", data={"csrf_token": csrf_token(client, preview.request.path)})
    with app.app_context():
        keys = {r.person_key: r.tickets for r in db.session.scalars(select(Registration))}
        member_id = db.session.scalar(select(UserFactory._meta.model.id).where(
            UserFactory._meta.model.email == "member@example.org"))
        assert keys == {"guest:jan@example.org": 3, f"user:{member_id}": 1}
        assert sorted(a.people for a in db.session.scalars(select(Attendance))) == [1, 3]


def test_attendance_cannot_be_imported_before_an_event_is_over(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(UserFactory._meta.model, organiser.id)])
        event_id = event.id
    sign_in(client, organiser)
    refused = upload(client, f"/imports/past-attendance/{event_id}", b"Name,Email\nA,a@example.org\n")
    assert any("once the event is over" in said for _, said in error_summary(refused))


def test_an_organiser_imports_the_partnerships_contacts_from_the_partners_list(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    sign_in(client, organiser)
    assert "Dates may be Excel dates" not in text_of(client.get("/imports/contacts/1"))  # contacts have no dates
    partners_page = text_of(client.get("/partners"))
    assert "Import contacts from a spreadsheet" in partners_page and 'href="/imports/contacts/1"' in partners_page
    body = ("Organisation,Type,Contact,Email,Phone,May we contact\n"
            "Corby Food Bank,Charity,Ann Lee,ann@example.org,,yes\n"
            "Kettering Sangat,Spaceship,Raj Singh,raj@example.org,,\n").encode()
    uploaded = upload(client, "/imports/contacts/1", body, "contacts.csv")
    assert uploaded.status_code == 302
    page = text_of(client.get(uploaded.location))
    assert "Partner organisations: contacts.csv" in page
    preview = client.post(uploaded.location, data={
        "csrf_token": csrf_token(client, uploaded.location), "organisation": "0", "kind": "1", "name": "2",
        "email": "3", "phone": "4", "may_contact": "5"}, follow_redirects=True)
    page = text_of(preview)
    assert "Unknown kind “Spaceship”" in page and "Email the people imported" not in page
    assert "Adds 1 organisation not listed yet: Corby Food Bank." in page  # said before importing (walk)
    import_id = int(re.search(r"/imports/(\d+)/run", page).group(1))
    done = client.post(f"/imports/{import_id}/run", data={"csrf_token": csrf_token(client, preview.request.path)},
                       follow_redirects=True)
    assert "1 imported from contacts.csv" in text_of(done) and "Go back to Partner organisations" in text_of(done)
    assert "Spaceship" in client.get(f"/imports/{import_id}/refused.csv").get_data().decode("utf-8-sig")
    assert "Corby Food Bank" in text_of(client.get("/partners"))


def test_only_those_who_manage_partners_may_import_contacts(app, client, make_user):
    sign_in(client, make_user(roles=["awards_administrator"]))
    assert "Import contacts from a spreadsheet" not in text_of(client.get("/partners"))
    assert client.get("/imports/contacts/1").status_code == 403
    assert client.get("/imports/contacts/2").status_code == 404


def test_a_youth_forums_coordinator_without_a_dbs_check_is_told_why_they_cannot_import(app, client, make_user):
    from datetime import date

    from forums.models import ForumKind, SafeguardingCheck
    from tests.forums.factories import MembershipFactory
    coordinator, young = make_user(), make_user(email="young@example.org")
    with app.app_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=db.session.get(UserFactory._meta.model, young.id))
        db.session.commit()
        forum_id = forum.id
    sign_in(client, coordinator)
    page = text_of(client.get(f"/imports/forum-members/{forum_id}"))
    assert "needs a current DBS check" in page and 'type="file"' not in page
    refused = client.post(f"/imports/forum-members/{forum_id}", data={
        "csrf_token": csrf_token(client, "/forums"), "spreadsheet": (io.BytesIO(b"Name,Email\nG,young@example.org\n"),
                                                                    "m.csv")}, content_type="multipart/form-data")
    assert "needs a current DBS check" in text_of(refused) and "Already has a membership" not in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count(SpreadsheetImport.id))) == 0
        db.session.add(SafeguardingCheck(user_id=coordinator.id, checked_on=date.today()))
        db.session.commit()
    assert 'type="file"' in text_of(client.get(f"/imports/forum-members/{forum_id}"))


def test_uploading_and_running_imports_are_limited_per_account(app, client, make_user):
    """Found by attacking it: runs emailing 300 people at a time, and uploads without end."""
    from core.models import ImportStatus
    app.config["IMPORT_UPLOAD_LIMIT_PER_ACCOUNT"] = app.config["BULK_EMAIL_LIMIT_PER_ACCOUNT"] = "1 per hour"
    coordinator, forum_id = coordinator_of_a_forum(app, make_user)
    sign_in(client, coordinator)
    url = f"/imports/forum-members/{forum_id}"
    assert upload(client, url, b"", "empty.csv").status_code == 200  # refused: costs nothing
    assert upload(client, url, b"Name,Email,Faith\nAnn,ann@example.org,Sikh\n").status_code == 302
    assert upload(client, url, b"Name,Email,Faith\nBo,bo@example.org,Sikh\n").status_code == 429
    with app.app_context():
        first = db.session.scalar(select(SpreadsheetImport))
        second = SpreadsheetImport(kind=first.kind, scope_id=first.scope_id, owner_id=first.owner_id,
                                   file_name="b.csv", content=b"Name,Email,Faith\nBo,bo@example.org,Sikh\n",
                                   headers=first.headers, rows_total=1)
        db.session.add(second)
        for each in (first, second):
            each.mapping, each.status = {"name": 0, "email": 1, "faith": 2}, ImportStatus.MAPPED
        db.session.commit()
        ids = [first.id, second.id]
    token = csrf_token(client, url)
    assert client.post(f"/imports/{ids[0]}/run", data={"csrf_token": token, "email_people": "y"}).status_code == 302
    assert client.post(f"/imports/{ids[1]}/run", data={"csrf_token": token, "email_people": "y"}).status_code == 429
    with app.app_context():
        assert db.session.get(SpreadsheetImport, ids[1]).status == ImportStatus.MAPPED
