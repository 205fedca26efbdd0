"""Ten years of a county's engagement at scale, for the benchmarks in bench/
(`flask --app app seed-bench --scale N`).

`N` is the number of attendance records; everything else is in proportion
to it, so the default (1,000,000) gives 20,000 events over ten years
(recurring series and forum meetings among them), 50,000 people, 200,000
registrations, 40,000 equality questionnaires, 30 forums with 3,000
members and 5 award cycles with 2,000 nominations and 20,000 scores.

Rows go in with bulk INSERTs in batches and ids chosen here (the database
must be empty), never through the services one by one: this is load, not
behaviour. The same seed gives the same data on SQLite and PostgreSQL."""
import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from sqlalchemy import func, select, text

from awards.models import (
    AwardCategory, AwardCycle, ConflictDeclaration, ConflictKind, Criterion, Nomination, NominationStatus, NomineeKind,
    PanelMember, Score, ScoreSheet,
)
from core.accounts import second_factor, services
from core.database import LONDON, london_datetime, utcnow
from core.equality.services import CHARACTERISTICS, CONSENT_VERSION, ETHNIC_BACKGROUNDS, PREFER_NOT_TO_SAY, UNDER_16
from core.extensions import db
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import RoleGrant, SiteRole, User
from events import tallies
from events.models import (
    Attendance, Audience, CohesionPriority, Event, EventKind, EventSeries, EventStatus, ProgrammeSession, Registration,
    RegistrationStatus, Venue, event_organisers, event_priorities,
)
from forums.models import Faith, Forum, ForumCoordinator, ForumKind, Membership, MembershipSpell, MembershipStatus

BENCH_PASSWORD = "bench-Shared-Future-2026"
BENCH_ADMIN = "bench-admin@example.org"
BENCH_MEMBER = "bench-member@example.org"
# Staff, each with the seat whose page the benchmark loads (they sign in with a code from this secret too).
BENCH_ORGANISER = "bench-organiser@example.org"
BENCH_JUDGE = "bench-judge@example.org"
BENCH_COORDINATOR = "bench-coordinator@example.org"
BENCH_TOTP_SECRET = "SHAREDFUTUREBENCHSHAREDFUTUREBEN"
JUDGE_NOMINATIONS = 40  # about how many nominations the bench judge has to judge
BATCH = 5_000
YEARS = 10
FORUMS = 30
CYCLES = 5
CATEGORIES_PER_CYCLE = 4
CRITERIA_PER_CATEGORY = 4
JUDGES_PER_CATEGORY = 5


@dataclass(frozen=True)
class Sizes:
    attendances: int
    events: int
    people: int
    registrations: int
    questionnaires: int
    forum_members: int
    nominations: int
    scores: int

    @classmethod
    def for_scale(cls, attendances: int) -> "Sizes":
        return cls(attendances=attendances, events=max(attendances // 50, 60), people=max(attendances // 20, 200),
                   registrations=max(attendances // 5, 200), questionnaires=max(attendances // 25, 40),
                   forum_members=max(attendances * 3 // 1000, FORUMS), nominations=max(attendances // 500, 40),
                   scores=max(attendances // 50, 400))


def seed(sizes: Sizes, *, seed: int = 2026) -> dict[str, int]:
    """Fill an empty database; returns how many rows went into each table."""
    if db.session.scalar(select(func.count()).select_from(User)):
        raise ValueError("seed-bench needs an empty database (run `flask db upgrade` on a new one)")
    builder = _Builder(sizes, random.Random(seed))
    builder.build()
    db.session.commit()
    # Settled events are tallied as the tally-settled job would, through the same service.
    builder.counts["settled_tallies"] = tallies.tally_settled()
    _after_bulk_load()
    return builder.counts


class _Builder:
    def __init__(self, sizes: Sizes, rng: random.Random):
        self.sizes, self.rng = sizes, rng
        self.counts: dict[str, int] = {}
        today = date.today()
        self.now = utcnow()
        self.first_day = today.replace(year=today.year - YEARS + 1, month=1, day=1)
        self.last_day = today + timedelta(days=365)

    def insert(self, model, rows) -> None:
        """INSERT `rows` (any iterable of dicts) in batches."""
        table = getattr(model, "__table__", model)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                db.session.execute(table.insert(), batch)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(batch)

    def build(self) -> None:
        self.accounts()
        self.places()
        self.forums()
        self.events()
        self.registrations_and_attendance()
        self.equality()
        self.awards()

    # People ---------------------------------------------------------------

    def accounts(self) -> None:
        admin = services.create_user(email=BENCH_ADMIN, name="Bench Admin", password=BENCH_PASSWORD,
                                     roles=[SiteRole.ADMIN, SiteRole.ORGANISER, SiteRole.AWARDS_ADMINISTRATOR])
        self.member = services.create_user(email=BENCH_MEMBER, name="Bench Member", password=BENCH_PASSWORD)
        self.organiser = services.create_user(email=BENCH_ORGANISER, name="Bench Organiser",
                                              password=BENCH_PASSWORD, roles=[SiteRole.ORGANISER])
        self.judge = services.create_user(email=BENCH_JUDGE, name="Bench Judge", password=BENCH_PASSWORD)
        self.coordinator = services.create_user(email=BENCH_COORDINATOR, name="Bench Coordinator",
                                                password=BENCH_PASSWORD)
        db.session.flush()
        for staff in (admin, self.organiser, self.judge, self.coordinator):  # staff sign in with a code too
            second_factor.set_up_without_code(staff, secret=BENCH_TOTP_SECRET)
        first = max(user.id for user in (admin, self.member, self.organiser, self.judge, self.coordinator)) + 1
        self.people = range(first, first + self.sizes.people)
        confirmed = self.now - timedelta(days=400)
        # Everyone shares one real hash: hashing 50,000 passwords would be the benchmark.
        self.insert(User, ({"id": user_id, "email": f"person{user_id}@example.net", "name": self.name(user_id),
                            "password_hash": self.member.password_hash, "email_confirmed_at": confirmed,
                            "created_at": confirmed} for user_id in self.people))
        self.organisers = list(self.people[:20])
        self.judges = list(self.people[20:20 + CYCLES * CATEGORIES_PER_CYCLE * JUDGES_PER_CATEGORY])
        self.insert(RoleGrant, ({"user_id": user_id, "role": SiteRole.ORGANISER} for user_id in self.organisers))

    def name(self, number: int) -> str:
        first = ("Amira", "Ben", "Chloe", "Dev", "Ewa", "Farid", "Grace", "Hamza", "Isla", "Jas", "Kofi", "Lena")
        last = ("Ahmed", "Brown", "Cohen", "Das", "Evans", "Fofana", "Green", "Hussain", "Iqbal", "Jones", "Kaur")
        return f"{first[number % len(first)]} {last[(number // len(first)) % len(last)]}"

    def places(self) -> None:
        # The migrations add the partnership's cohesion priorities (a database made otherwise may have none).
        self.priorities = db.session.scalars(select(CohesionPriority.id).order_by(CohesionPriority.id)).all()
        self.venues = range(1, 151)
        self.insert(Venue, ({"id": n, "name": f"Community Hall {n}", "address": f"{n} High Street\nNorthampton",
                             "postcode": f"NN{n % 18 + 1} {n % 9 + 1}AB", "step_free": n % 3 != 0,
                             "hearing_loop": n % 4 == 0, "latitude": 52.2 + n / 1000, "longitude": -0.9 + n / 1000}
                            for n in self.venues))

    def forums(self) -> None:
        kinds = (ForumKind.INTERFAITH, ForumKind.YOUTH, ForumKind.OTHER)
        self.forum_ids = range(1, FORUMS + 1)
        self.insert(Forum, ({"id": n, "name": f"{kinds[n % 3].value.capitalize()} Forum {n}", "kind": kinds[n % 3],
                             "purpose": "Neighbours meeting to work on what matters where they live.",
                             "area": f"District {n}", "public_text": "We meet monthly.\n\nEveryone is welcome.",
                             "min_age": 11 if kinds[n % 3] == ForumKind.YOUTH else None,
                             "max_age": 18 if kinds[n % 3] == ForumKind.YOUTH else None} for n in self.forum_ids))
        self.insert(ForumCoordinator, ({"forum_id": n, "user_id": self.organisers[n % len(self.organisers)]}
                                       for n in self.forum_ids))
        # The bench coordinator runs the first forum (the one the benchmark's forum pages show).
        self.insert(ForumCoordinator, [{"forum_id": self.forum_ids[0], "user_id": self.coordinator.id}])
        faiths = list(Faith)
        members = self.rng.sample(self.people[40:], self.sizes.forum_members)
        self.forum_members: dict[int, list[int]] = {n: [] for n in self.forum_ids}

        def rows():
            for index, user_id in enumerate(members):
                forum_id = self.forum_ids[index % FORUMS]
                status = MembershipStatus.ACTIVE if index % 10 else MembershipStatus.APPLIED
                if status == MembershipStatus.ACTIVE:
                    self.forum_members[forum_id].append(user_id)
                yield {"id": index + 1, "forum_id": forum_id, "user_id": user_id, "status": status,
                       "faith": faiths[index % len(faiths)] if forum_id % 3 == 0 else None,
                       "term_starts_on": self.first_day, "applied_at": self.now - timedelta(days=500),
                       "decided_at": self.now - timedelta(days=490) if status == MembershipStatus.ACTIVE else None}
        self.insert(Membership, rows())
        self.insert(MembershipSpell, ({"membership_id": index + 1, "started_at": self.now - timedelta(days=490)}
                                      for index in range(len(members)) if index % 10))

    # Events ---------------------------------------------------------------

    def events(self) -> None:
        sizes, rng = self.sizes, self.rng
        self.event_starts: dict[int, datetime] = {}
        self.event_capacity: dict[int, int | None] = {}
        rows, series, sessions = [], [], []
        conferences = max(sizes.events // 500, 4)
        meetings = sizes.events * 15 // 100
        in_series = sizes.events * 10 // 100

        def add(kind, starts, **extra):
            event_id = len(rows) + 1
            online = event_id % 10 == 0
            capacity = None if event_id % 7 == 0 else rng.choice((30, 50, 80, 120, 200))
            status = (EventStatus.CANCELLED if event_id % 40 == 0 else EventStatus.DRAFT if event_id % 50 == 1
                      else EventStatus.PUBLISHED)
            rows.append({"id": event_id, "title": extra.pop("title", f"{kind.label} {event_id}"),
                         "summary": "Meet your neighbours and help shape what happens next.",
                         "description": "Tea, talk and a chance to be heard.\n\nEveryone welcome.",
                         "kind": kind, "status": status, "audience": extra.pop("audience", Audience.PUBLIC),
                         "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                         "venue_id": None if online else rng.choice(self.venues),
                         "online_url": "https://meet.example.org/room" if online else None,
                         "contact_email": "events@example.org", "capacity": capacity,
                         "created_by_id": self.organisers[event_id % len(self.organisers)],
                         "created_at": starts - timedelta(days=60), "updated_at": starts - timedelta(days=60),
                         "series_id": None, "original_starts_at": None, "forum_id": None, **extra})
            self.event_starts[event_id], self.event_capacity[event_id] = starts, capacity
            return event_id

        for n in range(conferences):  # evenly spaced, the last one a month before the data set ends
            day = self.first_day + timedelta(days=(self.last_day - self.first_day).days * (n + 1) // conferences - 30)
            event_id = add(EventKind.STANDING_CONFERENCE, london_datetime(day, time(9, 30)),
                           title=f"Standing Conference {day:%B %Y}")
            rows[-1]["ends_at"] = rows[-1]["starts_at"] + timedelta(hours=7)
            for slot in range(10):
                starts = rows[-1]["starts_at"] + timedelta(minutes=30 * (slot // 2 * 2))
                sessions.append({"event_id": event_id, "title": f"Session {slot + 1}: working together",
                                 "description": "Short talks, then questions.", "starts_at": starts,
                                 "ends_at": starts + timedelta(minutes=55), "room": f"Room {slot % 2 + 1}",
                                 "speakers": "Councillor Amira Ahmed, Ben Brown", "capacity": 60 if slot % 2 else None})
        # Each forum meets monthly, as one recurring series.
        per_forum = max(meetings // FORUMS, 1)
        for forum_id in self.forum_ids:
            rule = rrule(MONTHLY, count=per_forum, dtstart=datetime.combine(
                self.last_day - timedelta(days=31 * per_forum), time(18, 30)), byweekday=forum_id % 5, bysetpos=1)
            series.append({"id": len(series) + 1, "rrule": str(rule).split("\n")[-1].removeprefix("RRULE:")})
            for occurrence in rule:
                starts = occurrence.replace(tzinfo=LONDON)
                add(EventKind.FORUM_MEETING, starts, title=f"Forum {forum_id} meeting", forum_id=forum_id,
                    audience=Audience.FORUM_MEMBERS, series_id=len(series), original_starts_at=starts)
        # Weekly community series of twenty sessions each.
        while sum(1 for row in rows if row.get("series_id") and not row.get("forum_id")) < in_series:
            first = self.first_day + timedelta(days=rng.randrange((self.last_day - self.first_day).days - 140))
            rule = rrule(WEEKLY, count=20, dtstart=datetime.combine(first, time(14)))
            series.append({"id": len(series) + 1, "rrule": "FREQ=WEEKLY;COUNT=20"})
            for occurrence in rule:
                starts = occurrence.replace(tzinfo=LONDON)
                add(EventKind.WORKSHOP, starts, title=f"Conversation cafe {len(series)}", series_id=len(series),
                    original_starts_at=starts)
        one_off = (EventKind.COMMUNITY_EVENT, EventKind.WORKSHOP, EventKind.OTHER, EventKind.COMMUNITY_EVENT)
        days = (self.last_day - self.first_day).days
        while len(rows) < sizes.events:
            day = self.first_day + timedelta(days=rng.randrange(days))
            add(rng.choice(one_off), london_datetime(day, time(rng.randrange(10, 20))))
        self.insert(EventSeries, series)
        self.insert(Event, rows)
        self.insert(ProgrammeSession, sessions)
        if self.priorities:
            self.insert(event_priorities, ({"event_id": event_id, "priority_id": priority}
                                           for event_id in self.event_starts
                                           for priority in {self.priorities[event_id % len(self.priorities)],
                                                            self.priorities[event_id % 2 % len(self.priorities)]}))
        self.insert(event_organisers, ({"event_id": row["id"], "user_id": row["created_by_id"]} for row in rows))
        # The bench organiser co-organises the benchmark's sampled event: the next public community event.
        sampled = min((row for row in rows if row["kind"] == EventKind.COMMUNITY_EVENT
                       and row["status"] == EventStatus.PUBLISHED and row["audience"] == Audience.PUBLIC
                       and row["starts_at"] > self.now), key=lambda row: row["starts_at"])
        self.insert(event_organisers, [{"event_id": sampled["id"], "user_id": self.organiser.id}])
        self.visible = [row["id"] for row in rows if row["status"] != EventStatus.DRAFT]
        self.counted = [row["id"] for row in rows
                        if row["status"] == EventStatus.PUBLISHED and row["starts_at"] <= self.now]
        self.meeting_forum = {row["id"]: row["forum_id"] for row in rows if row.get("forum_id")}

    def registrations_and_attendance(self) -> None:
        """Registrations for any visible event, people at past ones:
        registered people who came, then walk-ins up to the attendance total."""
        sizes, rng = self.sizes, self.rng
        taken, attended = set(), []
        registrations = []
        # The benchmark's member: a handful of past and coming events, as a regular would have.
        future = [event_id for event_id in self.visible if self.event_starts[event_id] > self.now]
        mine = rng.sample(self.counted, 12) + rng.sample(future, min(6, len(future)))
        picks = [(event_id, f"user:{self.member.id}") for event_id in mine]
        guests = 0
        while len(picks) < sizes.registrations:
            event_id = rng.choice(self.visible)
            forum = self.meeting_forum.get(event_id)
            if forum is not None:
                if not self.forum_members[forum]:
                    continue
                key = f"user:{rng.choice(self.forum_members[forum])}"
            elif rng.random() < 0.8:
                key = f"user:{rng.choice(self.people)}"
            else:
                guests += 1
                key = f"guest:guest{guests}@example.com"
            if (event_id, key) not in taken:
                taken.add((event_id, key))
                picks.append((event_id, key))
        booked: dict[int, int] = {}
        happened = set(self.counted)  # published and started: no one checks in at a cancelled event
        for registration_id, (event_id, key) in enumerate(picks, start=1):
            starts = self.event_starts[event_id]
            capacity = self.event_capacity[event_id]
            if rng.random() < 0.1:
                status = RegistrationStatus.CANCELLED
            elif capacity is not None and booked.get(event_id, 0) >= capacity:
                status = RegistrationStatus.WAITLISTED
            else:
                status = RegistrationStatus.CONFIRMED
                booked[event_id] = booked.get(event_id, 0) + 1
            made = starts - timedelta(days=rng.randrange(1, 40))
            user_id = int(key[5:]) if key.startswith("user:") else None
            email = f"person{user_id}@example.net" if user_id else key[6:]
            registrations.append({
                "id": registration_id, "event_id": event_id, "user_id": user_id, "person_key": key,
                "name": self.name(user_id or registration_id), "email": email, "status": status,
                "created_at": made, "confirmed_at": made if status == RegistrationStatus.CONFIRMED else None,
                "waitlisted_at": made if status == RegistrationStatus.WAITLISTED else None,
                "cancelled_at": made + timedelta(hours=5) if status == RegistrationStatus.CANCELLED else None})
            if status == RegistrationStatus.CONFIRMED and event_id in happened and rng.random() < 0.85:
                attended.append((event_id, registration_id))
        self.insert(Registration, registrations)
        walk_ins = max(sizes.attendances - len(attended), 0)

        def attendance_rows():
            for event_id, registration_id in attended:
                yield {"event_id": event_id, "registration_id": registration_id, "walk_in_name": None,
                       "people": 1, "checked_in_at": self.event_starts[event_id]}
            for n in range(walk_ins):
                event_id = self.counted[n % len(self.counted)]
                yield {"event_id": event_id, "registration_id": None, "walk_in_name": "Walk-in", "people": 1,
                       "checked_in_at": self.event_starts[event_id]}
        self.insert(Attendance, attendance_rows())
        self.person_keys = sorted({key for _, key in picks})

    def equality(self) -> None:
        rng = self.rng
        keys = rng.sample(self.person_keys, min(self.sizes.questionnaires, len(self.person_keys)))
        self.insert(EqualityLink, ({"id": n, "person_key": key, "subject_id": f"{n:032x}",
                                    "user_id": int(key[5:]) if key.startswith("user:") else None}
                                   for n, key in enumerate(keys, start=1)))

        def answer(characteristic):
            roll = rng.random()
            if roll < 0.05:
                return None
            if roll < 0.1:
                return PREFER_NOT_TO_SAY
            codes = characteristic.codes
            return rng.choices(codes, weights=[len(codes) - i for i in range(len(codes))])[0]

        def responses():
            for n in range(1, len(keys) + 1):
                answers = {characteristic.key: answer(characteristic) for characteristic in CHARACTERISTICS}
                if answers["age_band"] == UNDER_16:
                    answers["gender_identity"] = answers["sexual_orientation"] = None
                if answers["disability"] != "yes":
                    answers["disability_impact"] = None
                group = answers["ethnic_group"]
                answers["ethnic_background"] = (rng.choice(ETHNIC_BACKGROUNDS[group])[0]
                                                if group in ETHNIC_BACKGROUNDS else None)
                yield {"subject_id": f"{n:032x}", "consented_at": self.now - timedelta(days=200),
                       "consent_version": CONSENT_VERSION, "postcode_district": f"NN{n % 18 + 1}", **answers}
        self.insert(EqualityResponse, responses())

    # Awards ---------------------------------------------------------------

    def awards(self) -> None:
        sizes, rng = self.sizes, self.rng
        this_year = date.today().year
        categories, criteria, panel, nominations, score_sheets, scores = [], [], [], [], [], []
        per_category = max(sizes.nominations // (CYCLES * CATEGORIES_PER_CYCLE), 2)
        all_nominations = per_category * CYCLES * CATEGORIES_PER_CYCLE
        sheets = sizes.scores // CRITERIA_PER_CATEGORY  # each judge's sheet scores every criterion

        def sheets_for(nomination_id: int) -> int:  # spread evenly, the first ones taking any remainder
            return min(sheets // all_nominations + (nomination_id <= sheets % all_nominations), JUDGES_PER_CATEGORY)
        cycles = []
        for n in range(CYCLES):
            year = this_year - CYCLES + 1 + n
            opens = london_datetime(date(year, 3, 1), time(9))
            cycles.append({"id": n + 1, "name": f"Community Cohesion Awards {year}",
                           "introduction": "Celebrating the people who bring the county together.",
                           "nominations_open_at": opens, "nominations_close_at": opens + timedelta(days=60),
                           "judging_opens_at": opens + timedelta(days=61),
                           "judging_closes_at": opens + timedelta(days=90),
                           "announce_at": opens + timedelta(days=120)})
            for c in range(CATEGORIES_PER_CYCLE):
                category_id = len(categories) + 1
                categories.append({"id": category_id, "cycle_id": n + 1, "name": f"Category {c + 1}",
                                   "description": "For someone who has made a difference to community life.",
                                   "eligibility": "Anyone who lives or works in the county.",
                                   "nominee_kind": NomineeKind.INDIVIDUAL, "position": c})
                criterion_ids = []
                for k in range(CRITERIA_PER_CATEGORY):
                    criterion_ids.append(len(criteria) + 1)
                    criteria.append({"id": len(criteria) + 1, "category_id": category_id, "name": f"Criterion {k + 1}",
                                     "guidance": "1: little evidence; 5: outstanding.", "position": k})
                judges = self.judges[(category_id - 1) * JUDGES_PER_CATEGORY:category_id * JUDGES_PER_CATEGORY]
                panel.extend({"category_id": category_id, "user_id": judge, "email": f"person{judge}@example.net"}
                             for judge in judges)
                for _ in range(per_category):
                    nomination_id = len(nominations) + 1
                    nominator = rng.choice(self.people)
                    nominations.append({
                        "id": nomination_id, "category_id": category_id, "status": NominationStatus.ELIGIBLE,
                        "nominator_id": nominator, "nominator_name": self.name(nominator),
                        "nominator_email": f"person{nominator}@example.net", "relationship_to_nominee": "Neighbour",
                        "nominee_name": self.name(nomination_id + 7), "nominee_kind": NomineeKind.INDIVIDUAL,
                        "nominee_area": "Northampton", "nominee_email": f"nominee{nomination_id}@example.com",
                        "nominee_knows": True, "data_consent": True, "submitted_at": opens + timedelta(days=10)})
                    for judge in judges[:sheets_for(nomination_id)]:
                        sheet_id = len(score_sheets) + 1
                        score_sheets.append({"id": sheet_id, "nomination_id": nomination_id, "judge_id": judge,
                                       "submitted_at": opens + timedelta(days=70)})
                        scores.extend({"sheet_id": sheet_id, "criterion_id": criterion, "value": rng.randint(1, 5)}
                                      for criterion in criterion_ids)
        # The bench judge sits on the latest cycle's panels, from its first category on, until about
        # JUDGE_NOMINATIONS are theirs: no conflict declared for the first half, the first quarter scored.
        seats = categories[-CATEGORIES_PER_CYCLE:][:max(-(-JUDGE_NOMINATIONS // per_category), 1)]
        panel.extend({"category_id": category["id"], "user_id": self.judge.id, "email": BENCH_JUDGE}
                     for category in seats)
        theirs = [n for n in nominations if n["category_id"] in {category["id"] for category in seats}]
        declarations = [{"nomination_id": n["id"], "judge_id": self.judge.id, "kind": ConflictKind.NONE, "note": "",
                         "declared_at": n["submitted_at"] + timedelta(days=61)} for n in theirs[:len(theirs) // 2]]
        for nomination in theirs[:len(theirs) // 4]:
            score_sheets.append({"id": len(score_sheets) + 1, "nomination_id": nomination["id"],
                                 "judge_id": self.judge.id, "submitted_at": nomination["submitted_at"]
                                 + timedelta(days=62)})
            category_criteria = [c["id"] for c in criteria if c["category_id"] == nomination["category_id"]]
            scores.extend({"sheet_id": len(score_sheets), "criterion_id": criterion, "value": rng.randint(1, 5)}
                          for criterion in category_criteria)
        for model, rows in ((AwardCycle, cycles), (AwardCategory, categories), (Criterion, criteria),
                            (PanelMember, panel), (Nomination, nominations), (ConflictDeclaration, declarations),
                            (ScoreSheet, score_sheets), (Score, scores)):
            self.insert(model, rows)


def _after_bulk_load() -> None:
    """Move PostgreSQL's id sequences past the rows given ids here, and
    gather planner statistics (autovacuum would, a little later)."""
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if table.autoincrement_column is not None and table.autoincrement_column.name == "id":
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table.name}), 1))"))
    db.session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def describe(sizes: Sizes) -> str:
    return ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in asdict(sizes).items())
