from leadledger.cli import app

app(prog_name="leadledger")
