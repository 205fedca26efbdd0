"""Writes the sample spreadsheets in docs/samples/ to try importing with
(docs/user-guide/imports.md): a forum's 500 members as a coordinator might
keep them in Excel, mistakes included, a youth forum's list, and a past
event's attendance. The same every time (a fixed seed), so the committed
files change only when this script does.

    .venv/bin/python bench/import_samples.py
"""
import csv
import random
from datetime import date, datetime
from pathlib import Path

import openpyxl

OUT = Path(__file__).resolve().parent.parent / "docs" / "samples"

FIRST = {
    "polish": ["Zofia", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Marek", "Ewa", "Paweł", "Magdalena", "Jan"],
    "pakistani": ["Ayesha", "Imran", "Fatima", "Bilal", "Sana", "Usman", "Hina", "Zain", "Maryam", "Asif"],
    "indian": ["Priya", "Ravi", "Anjali", "Sanjay", "Deepa", "Harpreet", "Gurpreet", "Vikram", "Meera", "Arjun"],
    "bangladeshi": ["Nusrat", "Rahim", "Taslima", "Karim", "Shirin", "Jamal", "Rokeya", "Faruk", "Sabina", "Habib"],
    "somali": ["Hodan", "Abdi", "Faadumo", "Mohamed", "Ayaan", "Liban", "Sahra", "Yusuf", "Ifrah", "Hassan"],
    "english": ["Sarah", "James", "Emma", "David", "Claire", "Michael", "Rachel", "Andrew", "Helen", "Thomas"],
    "romanian": ["Ioana", "Andrei", "Elena", "Mihai", "Ana", "Florin", "Gabriela", "Cristian", "Roxana", "Vlad"],
    "caribbean": ["Marcia", "Delroy", "Janelle", "Winston", "Claudette", "Errol", "Paulette", "Leroy", "Sonia", "Desmond"],
}
LAST = {
    "polish": ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański"],
    "pakistani": ["Khan", "Hussain", "Ahmed", "Malik", "Iqbal", "Butt", "Akhtar", "Raza"],
    "indian": ["Patel", "Sharma", "Singh", "Kaur", "Gupta", "Mistry", "Chauhan", "Joshi"],
    "bangladeshi": ["Rahman", "Begum", "Uddin", "Miah", "Chowdhury", "Islam", "Ali", "Hoque"],
    "somali": ["Mohamed", "Ali", "Abdi", "Hassan", "Farah", "Warsame", "Osman", "Jama"],
    "english": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Johnson", "Clarke", "Wright"],
    "romanian": ["Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Constantin", "Marin", "Tudor"],
    "caribbean": ["Campbell", "Brown", "Williams", "Thomas", "Grant", "Reid", "Morgan", "Francis"],
}
FAITH = {
    "polish": ["Christian", "Catholic", "Roman Catholic"], "pakistani": ["Muslim", "Islam"],
    "indian": ["Hindu", "Sikh", "Jain", "Christian"], "bangladeshi": ["Muslim", "Islam", "Hindu"],
    "somali": ["Muslim"], "english": ["Christian", "Church of England", "No religion", "Humanist", "Jewish", "Pagan"],
    "romanian": ["Christian", "Orthodox"], "caribbean": ["Christian", "Pentecostal", "Baptist"],
}
ORGANISATIONS = ["St Peter's Church", "Kettering Central Mosque", "Shree Krishna Mandir", "Guru Nanak Gurdwara",
                 "Polish Catholic Mission", "Somali Community Association", "Bangladeshi Welfare Association",
                 "Romanian Orthodox Parish", "Kettering Humanists", "Northamptonshire Jewish Community", ""]
ROLES = ["Member"] * 12 + ["Faith representative"] * 4 + ["Observer", "Secretary", "Treasurer"]
DOMAINS = ["example.org", "example.com", "example.net"]


def person(rng: random.Random, number: int) -> tuple[str, str, str]:
    community = rng.choice(list(FIRST))
    first, last = rng.choice(FIRST[community]), rng.choice(LAST[community])
    ascii_last = last.translate(str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")).lower()
    email = f"{first.lower()}.{ascii_last}{number}@{rng.choice(DOMAINS)}"
    return community, f"{first} {last}", email


def forum_members(rng: random.Random) -> list[list]:
    """500 rows for an interfaith forum, with a mistake in about one in ten."""
    rows = []
    for number in range(1, 501):
        community, name, email = person(rng, number)
        joined = date(2019 + rng.randrange(7), 1 + rng.randrange(12), 1 + rng.randrange(28))
        # Joined dates as people type them: Excel's own dates mostly, some typed day first.
        joined_cell = joined.strftime("%d/%m/%Y") if number % 3 == 0 else datetime(joined.year, joined.month, joined.day)
        rows.append([name, email, rng.choice(ROLES), rng.choice(FAITH[community]), rng.choice(ORGANISATIONS),
                     rng.choice(["", "07700 900" + f"{number:03d}"]), joined_cell])
    mistakes = rng.sample(range(len(rows)), 60)
    for index in mistakes[:15]:
        rows[index][1] = rng.choice([rows[index][1].replace("@", " at "), rows[index][1].split("@")[0],
                                     rows[index][1].replace(".", "", 1) + ".", "n/a"])
    for index in mistakes[15:25]:
        rows[index][3] = rng.choice(["Jedi", "Spiritual", "Rastafarian?", "Don't know", "Catholic Muslim"])
    for index, source in zip(mistakes[25:37], mistakes[37:49]):
        rows[index][1] = rows[source][1].upper()  # the same person again, typed in capitals
    for index in mistakes[49:53]:
        rows[index][0] = ""
    for index in mistakes[53:56]:
        rows[index][6] = rng.choice(["13/13/2021", "2021-02-30", "last spring"])
    for index in mistakes[56:59]:
        rows[index][2] = rng.choice(["Grand Wizard", "Volunteer coordinator", "President"])
    rows[mistakes[59]][0] = '=HYPERLINK("http://evil.example/","Click me")'
    return rows


def youth_members(rng: random.Random) -> list[list]:
    """A youth forum (ages 11 to 18): under-18s need a parent or carer."""
    rows = []
    for number in range(1, 41):
        community, name, email = person(rng, 600 + number)
        born = date(2009 + rng.randrange(5), 1 + rng.randrange(12), 1 + rng.randrange(28))
        parent = f"{rng.choice(FIRST[community])} {name.split()[-1]}"
        rows.append([name, email, born.strftime("%d/%m/%Y"), parent, f"parent.{email}", "Member"])
    rows[3][3] = rows[3][4] = ""                      # under 18, no parent
    rows[7][4] = ""                                   # no parent's email
    rows[11][4] = rows[11][1]                         # the young person's own address as the parent's
    rows[15][2] = "01/01/1990"                        # far too old for the forum
    rows[19][2] = "05/14/2012"                        # US order: no 14th month
    rows[23] = [rows[22][0], "another." + rows[22][1], rows[22][2], rows[22][3], rows[22][4], "Member"]
    return rows


def attendance(rng: random.Random) -> list[list]:
    rows = []
    for number in range(1, 31):
        _, name, email = person(rng, 800 + number)
        rows.append([name, email, rng.choice(["1", "1", "1", "2", "3"]), ""])
    rows[4][2] = "0"
    rows[9][1] = "not an address"
    rows[14][1] = rows[13][1]
    return rows


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell.strftime("%d/%m/%Y") if isinstance(cell, datetime) else cell for cell in row])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    members = forum_members(rng)
    header = ["Full name", "E-mail", "Role", "Religion", "Organisation", "Phone", "Joined"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Members"
    sheet.append(header)
    for row in members:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD/MM/YYYY"
    workbook.properties.creator = "Shared Future sample"
    workbook.properties.created = workbook.properties.modified = datetime(2026, 12, 1)
    workbook.save(OUT / "forum-members.xlsx")
    write_csv(OUT / "forum-members.csv", header, members)
    write_csv(OUT / "youth-forum-members.csv",
              ["Name", "Email address", "DOB", "Parent/carer name", "Parent email", "Role"], youth_members(rng))
    write_csv(OUT / "past-attendance.csv", ["Attendee", "Email", "Party size", "Arrived"], attendance(rng))
    print(f"Wrote the samples to {OUT}")


if __name__ == "__main__":
    main()
