from leadledger.contract.rules import default_contract_text, diff_contracts, parse_contract


def test_diff_names_only_the_changed_sections():
    a = parse_contract(default_contract_text())
    b = parse_contract(
        default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 50\n")
    )
    sections = diff_contracts(a, b, label_a="v1", label_b="v2")
    assert list(sections) == ["mql"]
    lines = sections["mql"]
    assert "-min_engagement: 40.0" in lines
    assert "+min_engagement: 50.0" in lines
    assert lines[0] == "--- v1:mql"


def test_same_contract_has_no_diff():
    a = parse_contract(default_contract_text())
    assert diff_contracts(a, a) == {}
