"""What a user sees while and after a run: progress lines, one-line errors with the right exit
code, the per-run log file."""

from __future__ import annotations

from types import SimpleNamespace

from jobs.errors import one_line
from jobs.main import main
from jobs.progress import describe


class FakeTracker:
    def __init__(self, stages):
        self.stages = stages

    def getActiveStageIds(self):  # noqa: N802 (Spark's name)
        return list(self.stages)

    def getStageInfo(self, stage_id):  # noqa: N802
        return self.stages[stage_id]


def test_progress_names_each_running_stage_with_its_tasks_done():
    tracker = FakeTracker({7: SimpleNamespace(numCompletedTasks=3, numTasks=8, numActiveTasks=2),
                           5: SimpleNamespace(numCompletedTasks=0, numTasks=1, numActiveTasks=0)})
    assert describe(tracker) == "stage 5: 0/1 tasks, stage 7: 3/8 tasks (2 running)"
    assert describe(FakeTracker({})) is None


def test_an_input_on_s3_without_credentials_is_a_one_line_bad_input_error(tmp_path, monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert main(["flights", "--input", "s3://some-bucket/vendor/", "--lake", str(tmp_path / "lake")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: bad input: no AWS credentials") and err.count("\n") == 1


def test_a_lake_that_cannot_be_written_ends_in_one_line_naming_the_cause(tmp_path, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    assert main(["flights", "--steps", "land", "--lake", str(tmp_path / "a-file" / "lake")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: NotADirectoryError:") and "a-file" in err[-1]


def test_the_root_cause_of_a_wrapped_error_is_the_line_shown():
    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as inner:
            raise RuntimeError("") from inner
    except RuntimeError as outer:
        assert one_line(outer) == "[Errno 28] No space left on device"
