import subprocess
import sys

import pytest

from sendable.policy import PolicyError, build_policy, load_policy


def test_defaults_match_the_contract() -> None:
    p = build_policy()
    assert p.clients.min_version == "1.0.0"
    assert p.age.min_messaging_age == 16
    assert (p.new_accounts.days, p.new_accounts.max_new_conversations_per_day) == (7, 10)
    assert p.requests.max_unanswered == 3
    assert [r.text for r in p.rate_limits.messages] == ["30/minute", "600/hour", "3000/day"]
    assert [r.text for r in p.rate_limits.new_conversations] == ["20/hour", "100/day"]
    assert p.spam.duplicate_window == 3600 and p.spam.min_reputation == 0.2
    assert p.guidelines.actions.misinformation == "hold"
    assert p.guidelines.actions.harassment == "block"
    assert p.enforcement.ladder == ("warning", "24h", "7d", "30d", "permanent")
    assert p.flags.report_window == 7 * 86400


def test_a_file_names_only_what_it_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.toml"
    path.write_text('[spam]\nmax_links = 1\n[guidelines.actions]\nhate = "hold"\n')
    p = load_policy(path)
    assert p.spam.max_links == 1 and p.spam.fanout_per_hour == 30
    assert p.guidelines.actions.hate == "hold" and p.guidelines.actions.violence == "block"


@pytest.mark.parametrize(("overrides", "key"), [
    ({"spam": {"max_linkz": 1}}, "spam.max_linkz"),
    ({"nonsense": {}}, "nonsense"),
    ({"spam": {"max_links": -1}}, "spam.max_links"),
    ({"spam": {"duplicate_window": "an hour"}}, "spam.duplicate_window"),
    ({"rate_limits": {"messages": ["3/fortnight"]}}, "rate_limits.messages.0"),
    ({"guidelines": {"actions": {"hate": "nuke"}}}, "guidelines.actions.hate"),
    ({"guidelines": {"extra_terms": {"rudeness": ["x"]}}}, "guidelines.extra_terms.rudeness"),
    ({"enforcement": {"ladder": []}}, "enforcement.ladder"),
    ({"enforcement": {"ladder": ["warning", "soon"]}}, "enforcement.ladder.1"),
    ({"enforcement": {"ban_scope": "everything"}}, "enforcement.ban_scope"),
    ({"clients": {"min_version": "one"}}, "clients.min_version"),
])
def test_bad_values_are_refused_naming_the_key(overrides, key) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError) as error:
        build_policy(overrides)
    assert str(error.value).startswith(key)


def test_policy_check_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("[requests]\nmax_unanswered = 5\n")
    bad.write_text("[requests]\nmax_unanswerd = 5\n")
    run = [sys.executable, "-m", "sendable", "policy", "check"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok" in ok.stdout
    no = subprocess.run([*run, str(bad)], capture_output=True, text=True)
    assert no.returncode == 2 and "requests.max_unanswerd" in no.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[requests\n")
    assert subprocess.run([*run, str(broken)], capture_output=True).returncode == 2
