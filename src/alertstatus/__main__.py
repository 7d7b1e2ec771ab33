from alertstatus.cli import app

app(prog_name="alertstatus")
