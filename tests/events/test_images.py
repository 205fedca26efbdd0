"""Event pictures: uploads are sniffed, capped and re-encoded, need a
description, and are served only where the event may be seen."""
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from events import images
from events.models import Audience, Event, EventImage, EventStatus
from forums.models import ForumCoordinator
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory
from tests.forums.factories import ForumFactory
from tests.events.test_views import event_form


def picture(size=(640, 480), fmt="JPEG", mode="RGB", colour="teal", **save):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def test_a_picture_is_re_encoded_without_its_camera_details():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"           # camera make
    exif[0x8825] = {2: (52.0, 14.0, 0.0)}  # GPS: where it was taken
    prepared = images.prepare(io.BytesIO(picture((2400, 1200), exif=exif.tobytes())))
    stored = Image.open(io.BytesIO(prepared.content))
    assert stored.format == "JPEG" and (prepared.width, prepared.height) == stored.size == (1600, 800)
    assert not stored.getexif()


@pytest.mark.parametrize("upload, message", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "must be a JPG, PNG or WebP"),
    (b"GIF89a" + picture(fmt="GIF")[6:], "must be a JPG, PNG or WebP"),
    (picture()[:400], "could not be read"),
    (picture((200, 200)), "at least 300 pixels wide"),
    (picture((9000, 10), fmt="PNG"), "no more than 8000 pixels"),
    (b"", "empty"),
])
def test_uploads_that_are_not_usable_pictures_are_refused(upload, message):
    with pytest.raises(images.ImageRejected, match=message) as refused:
        images.prepare(io.BytesIO(upload))
    assert refused.value.field == "picture"


def test_a_file_over_5mb_is_refused_before_it_is_decoded():
    with pytest.raises(images.ImageRejected, match="smaller than 5MB"):
        images.prepare(io.BytesIO(b"\xff\xd8" + b"0" * images.MAX_UPLOAD_BYTES))


def test_transparent_pngs_get_a_white_background():
    prepared = images.prepare(io.BytesIO(picture((400, 300), fmt="PNG", mode="RGBA", colour=(0, 128, 128, 0))))
    assert Image.open(io.BytesIO(prepared.content)).getpixel((10, 10)) == (255, 255, 255)


def test_organiser_adds_a_picture_the_public_sees_it_and_it_can_be_removed(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        venue_id = EventFactory().venue_id
    sign_in(client, organiser)
    upload = {"picture": (io.BytesIO(picture()), "../../etc/passwd.jpg")}
    refused = submit(client, "/manage/events/new", {**event_form(venue_id, title="Big Lunch"), **upload},
                     content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert "Describe the picture for people who cannot see it" in page and 'value="Big Lunch"' in page

    created = submit(client, "/manage/events/new", {
        **event_form(venue_id, title="Big Lunch", image_alt="Neighbours sharing food on the green"),
        "picture": (io.BytesIO(picture()), "lunch.jpg")}, content_type="multipart/form-data")
    assert created.status_code == 302
    event_id = int(re.search(r"/manage/events/(\d+)", created.location).group(1))
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.status = EventStatus.PUBLISHED
        db.session.commit()
        digest = event.image.digest

    public = app.test_client()
    page = public.get(f"/events/{event_id}").get_data(as_text=True)
    src = f"/events/{event_id}/picture/{digest}.jpg"
    assert f'src="{src}" alt="Neighbours sharing food on the green" width="640" height="480"' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["image"] == [f"http://localhost{src}"]
    served = public.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in served.headers["Cache-Control"]
    assert Image.open(io.BytesIO(served.data)).size == (640, 480)
    assert public.get(f"/events/{event_id}/picture/{'f' * 32}.jpg").status_code == 404

    edit = f"/manage/events/{event_id}/edit"
    submit(client, edit, {**event_form(venue_id, title="Big Lunch"), "remove_image": "y"},
           content_type="multipart/form-data")
    assert "<img" not in public.get(f"/events/{event_id}").get_data(as_text=True)
    assert public.get(src).status_code == 404


def test_a_repeating_series_shares_one_stored_picture(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        venue_id = EventFactory().venue_id
    sign_in(client, organiser)
    last = event_form(venue_id)["start_date"]
    response = submit(client, "/manage/events/new", {
        **event_form(venue_id, repeats="weekly", image_alt="The forum meeting room"),
        "repeat_until": [last[0], last[1], str(int(last[2]) + 1)],
        "picture": (io.BytesIO(picture()), "room.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventImage)) == 1
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.image_id.is_not(None))) > 50


def test_a_drafts_picture_is_not_shown_to_the_public(app):
    with app.app_context():
        image = EventImage(digest="1" * 32, content=picture(), content_type="image/jpeg", width=640, height=480)
        event = EventFactory(status=EventStatus.DRAFT, image=image, image_alt="Draft")
        event_id = event.id
    assert app.test_client().get(f"/events/{event_id}/picture/{'1' * 32}.jpg").status_code == 404


def test_a_request_over_the_size_limit_gets_a_clear_page(app, client, make_user):
    sign_in(client, make_user(roles=["organiser"]))
    response = client.post("/manage/events/new", data={"picture": (io.BytesIO(b"0" * (7 * 1024 * 1024)), "big.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "Pictures must be smaller than 5MB" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def pixel_bomb():
    """A PNG of one colour, 7999 x 7999: inside MAX_SIDE and about 8KB, yet
    64 million pixels once decoded (one like it took a worker from 158MB to 781MB)."""
    return picture((7999, 7999), fmt="PNG", mode="1", colour=0)


@pytest.fixture
def no_decoding(monkeypatch):
    """Decoding a picture's pixels fails the test: refusals must come from the header."""
    from PIL import ImageFile

    decoded = []

    def load(image):
        decoded.append(image.size)
        raise AssertionError(f"a {image.size} picture was decoded")
    monkeypatch.setattr(Image.Image, "load", load)
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


def test_a_picture_of_too_many_pixels_is_refused_from_its_header_without_decoding(pixel_bomb, no_decoding):
    assert len(pixel_bomb) < 20_000 and 7999 * 7999 > images.MAX_PIXELS
    with pytest.raises(images.ImageRejected, match="no more than 40 million pixels") as refused:
        images.prepare(io.BytesIO(pixel_bomb))
    assert refused.value.field == "picture" and no_decoding == []
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS  # and Pillow itself refuses anything far past it


def test_an_organiser_uploading_too_many_pixels_sees_why_beside_the_picture(app, client, make_user, pixel_bomb):
    with app.app_context():
        venue_id = EventFactory().venue_id
        events_before = db.session.scalar(select(func.count()).select_from(Event))
    sign_in(client, make_user(roles=["organiser"]))
    response = submit(client, "/manage/events/new", {
        **event_form(venue_id, title="Big Lunch", image_alt="A field"),
        "picture": (io.BytesIO(pixel_bomb), "field.png")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    beside = re.search(r'<p id="picture-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert response.status_code == 200 and beside and "no more than 40 million pixels" in beside.group(1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == events_before
        assert db.session.scalar(select(func.count()).select_from(EventImage)) == 0


def test_a_shared_cache_keeps_a_picture_only_while_anyone_may_see_its_event(app, make_user):
    """Found by attacking the nginx cache: a picture was kept by it for a year
    after it was taken off, or its event made members-only (a child's photo
    whose consent was withdrawn, say). Now a shared cache asks again every
    SHARED_CACHE_SECONDS, and a members-only meeting's picture is never kept."""
    with app.app_context():
        forum = ForumFactory()
        image = EventImage(digest="2" * 32, content=picture(), content_type="image/jpeg", width=640, height=480)
        event = EventFactory(image=image, image_alt="Open day")
        event_id, forum_id = event.id, forum.id
    src = f"/events/{event_id}/picture/{'2' * 32}.jpg"
    visitor = app.test_client()
    served = visitor.get(src)
    assert served.headers["Cache-Control"] == (
        f"public, max-age={24 * 3600}, s-maxage={app.config['SHARED_CACHE_SECONDS']}")
    assert visitor.get(src, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304

    with app.app_context():
        event = db.session.get(Event, event_id)
        event.audience, event.forum_id = Audience.FORUM_MEMBERS, forum_id
        db.session.commit()
    assert visitor.get(src, headers={"If-None-Match": served.headers["ETag"]}).status_code == 404
    coordinator = make_user(email="coordinator@example.org")
    with app.app_context():
        db.session.add(ForumCoordinator(forum_id=forum_id, user_id=coordinator.id))
        db.session.commit()
    signed_in = app.test_client()
    sign_in(signed_in, coordinator)
    kept_by_nobody = signed_in.get(src)
    assert kept_by_nobody.status_code == 200 and kept_by_nobody.headers["Cache-Control"] == "private, no-store"
