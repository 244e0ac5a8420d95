"""Extensions, created unbound; :func:`directory.create_app` binds them to an app."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_mailman import Mail
from flask_wtf import CSRFProtect

from directory.core.db import Database

db = Database()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
mailman = Mail()  # configured from the MAIL_* settings by directory.notifications.mail.init_app
