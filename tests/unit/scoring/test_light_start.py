import subprocess
import sys


def test_the_api_and_the_cli_start_without_the_machine_learning_libraries():
    code = (
        "import sys, leadledger.app, leadledger.cli, leadledger.scoring.service;"
        "leadledger.app.create_app();"
        "heavy = sorted({'numpy', 'sklearn', 'lightgbm', 'scipy'} & set(sys.modules));"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
