from tests.support import TestHarness


async def test_help_lists_loaded_features(harness: TestHarness) -> None:
    text = await harness.text("alice", "/help")
    assert "/setup channels" in text
    assert "/help" in text
