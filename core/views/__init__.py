"""The site's own pages: one blueprint (`core`), its routes split by concern.

- `pages`: the home page, accessibility, privacy and cookies, the health
  checks (`/healthz`, `/readyz`) and the metrics (`/metrics`);
- `sign_in`: signing up, in and out, confirming an email address, resetting
  a password, and signing in with the OpenID Connect provider;
- `sign_in_code`: the second step of signing in, a code from an app or a
  recovery code, or setting up an app;
- `account`: the signed-in person's account: your data, name, email address,
  password, deleting the account, and their second-factor settings;
- `about_you`: the equality monitoring questions, a person's own answers;
- `admin`: the admin's users, their site roles, and the audit log;
- `people`: likely duplicate people, and merging two records of one person;
- `language`: the language links on every page;
- `unsubscribe`: the link in non-essential emails, and turning them back on;
- `partners`: partner organisations and their contacts (staff);
- `jobs`: a person's long jobs (a batch of emails on its way) and how far each has got;
- `imports`: importing people from a spreadsheet, for every kind a package contributes;
- `emailed_links`: what every package's views share, loading what an emailed
  link names or the page explaining what is wrong with it.
"""
from flask import Blueprint

bp = Blueprint("core", __name__)

# The modules register their routes on `bp`, so they are imported once it exists.
from core.views import (  # noqa: E402,F401
    pages, sign_in, sign_in_code, account, about_you, admin, imports, jobs, language, partners, people, unsubscribe,
)
