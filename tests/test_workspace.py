"""Making a workspace (`prep init`) and finding it (-w, PREP_WORKSPACE)."""

from __future__ import annotations


def test_init_on_a_file_is_one_error_line(ws, tmp_path, invoke):
    afile = tmp_path / "afile"
    afile.write_text("mine\n", encoding="utf-8")
    profile = ws / "prep.yaml"
    before = profile.read_bytes()
    for target in (afile, profile):
        r = invoke("init", str(target))
        assert r.exit_code == 1
        assert r.output == f"Error: {target} is a file, not a folder\n"
    assert afile.read_text(encoding="utf-8") == "mine\n" and profile.read_bytes() == before
    r = invoke("init", str(afile / "sub"))
    assert r.exit_code == 1
    assert r.output == f"Error: {afile / 'sub'}: cannot create the folder: Not a directory\n"


def test_init_makes_a_workspace_that_is_found(tmp_path, invoke):
    target = tmp_path / "new" / "ws"
    r = invoke("init", str(target))
    assert r.exit_code == 0 and (target / "prep.yaml").is_file() and (target / "decks").is_dir()
    r = invoke("init", str(target))
    assert r.exit_code == 1 and "already exists; not overwriting a workspace" in r.output


def test_workspace_option_given_the_profile_uses_its_folder(ws, tmp_path, invoke):
    by_folder = invoke("-w", str(ws), "deck", "list", "--json")
    by_file = invoke("-w", str(ws / "prep.yaml"), "deck", "list", "--json")
    assert by_file.exit_code == 0, by_file.output
    assert by_file.output == by_folder.output
    assert not (ws / "prep.yaml" / ".prep").exists()
    afile = tmp_path / "notes.txt"
    afile.write_text("x\n", encoding="utf-8")
    r = invoke("-w", str(afile), "deck", "list")
    assert r.exit_code == 1
    assert r.output == f"Error: {afile} is a file, not a folder; give the workspace folder\n"
