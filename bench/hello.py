"""The baseline: a bare Flask hello-world, served by the same gunicorn
settings as the app, so every page's figure is a share of what this
machine, Python and gunicorn can do at all."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"
