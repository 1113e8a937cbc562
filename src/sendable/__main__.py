from sendable.cli import app

app(prog_name="sendable")
