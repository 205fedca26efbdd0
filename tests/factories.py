"""factory_boy factories. They add to db.session and commit, so the data is
visible to requests made afterwards."""
import factory
from werkzeug.security import generate_password_hash

from core.database import utcnow
from core.extensions import db
from core.accounts.models import RoleGrant, SiteRole, User

PASSWORD = "correct horse battery staple"
# The authenticator app secret of every factory user who holds a site role
# (and of anyone given `totp_secret=TOTP_SECRET`): staff must pass a second
# factor to sign in, and tests/conftest.py's `sign_in` answers it with this.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Cheap to compute, so the suite stays fast; the app's own setting is tested separately.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class UserFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password_hash = _PASSWORD_HASH
    email_confirmed_at = factory.LazyFunction(utcnow)

    totp_secret = None
    totp_enrolled_at = factory.LazyAttribute(lambda user: utcnow() if user.totp_secret else None)

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        for role in extracted or ():
            user.role_grants.append(RoleGrant(role=SiteRole(role)))
        if extracted and user.totp_secret is None:
            user.totp_secret, user.totp_enrolled_at = TOTP_SECRET, utcnow()
        if create and extracted:
            db.session.commit()
