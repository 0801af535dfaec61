from chainward.cli import run

run()
