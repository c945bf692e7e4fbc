"""The desk in a real browser (Debian's chromium, headless, driven by Playwright): articles replayed through the
real broker and worker show up with their entities highlighted, a script in a title stays text, a reload
and a broker restart lose nothing. The screenshot is kept in test-artefacts/desk.png."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request

import pytest

from khabar.config import PROJECT_ROOT
from khabar.local.broker import LocalBroker
from khabar.local.desk import DeskProcess
from khabar.local.ports import free_port
from khabar.producer.replay import Replayer
from khabar.producer.sources import read_paths
from khabar.records import raw_record
from khabar.topics import ensure_topics
from support.kafka import send_raw

pytestmark = pytest.mark.integration

ARTEFACTS = PROJECT_ROOT / "test-artefacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
EVIL_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">بوتين يصل إلى موسكو'
BODY = "وصل الرئيس الروسي فلاديمير بوتين إلى موسكو قادما من بيونج يانج بعد لقاء مع كيم جونج أون."
# Short articles written for this test (no third-party text), to give the page a few stories.
NEWS = [
    (
        "ماكرون يزور بيروت",
        "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم في زيارة رسمية إلى لبنان، "
        "والتقى رئيس الحكومة في السراي الحكومي.\n\nوقال ماكرون إن فرنسا ستقف إلى جانب لبنان.",
    ),
    (
        "الأمم المتحدة تدعو إلى وقف إطلاق النار",
        "دعا الأمين العام للأمم المتحدة أنطونيو غوتيريش من جنيف إلى وقف "
        "فوري لإطلاق النار في السودان، وحث مجلس الأمن على التحرك.",
    ),
]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium fonts-noto-core")
    pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) is not installed: uv sync")
    return path


@pytest.fixture
def desk_settings(settings):
    return settings.replace(
        desk_port=free_port(), desk_group=f"desk-{settings.app_id}", stories_topic=f"stories-{settings.app_id}"
    )


@pytest.fixture
def desk(desk_settings, tmp_path):
    process = DeskProcess(desk_settings, tmp_path / "desk.log").start()
    yield process.url + "/"
    process.stop()
    assert process.process.returncode == 0, process.log_tail()  # it stopped on SIGTERM, in order


def replay(settings, records: list[dict]) -> list[str]:
    with Replayer(settings) as replayer:
        return replayer.replay(records).sent


def article(n: int, title: str = "بوتين في موسكو", body: str = BODY) -> dict:
    return raw_record(source="test", url=f"https://example.test/{n}", locator=str(n), title=title, body=body)


def snapshot(url: str) -> dict:
    with urllib.request.urlopen(url + "api/snapshot", timeout=10) as response:
        return json.loads(response.read())


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


def test_the_page_shows_the_stream_with_entities_and_runs_no_injected_script(desk_settings, worker, desk, chromium):
    from playwright.sync_api import sync_playwright

    seed = next(iter(read_paths([PROJECT_ROOT / "seeds"])))
    evil = article(1, title=EVIL_TITLE)
    news = [article(3 + n, title, body) for n, (title, body) in enumerate(NEWS)]
    sent = replay(desk_settings, [seed, evil, *news])
    send_raw(desk_settings, [("not-json", b"{this is not json")])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="ar")
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(desk)
            for article_id in sent:
                page.wait_for_selector(f'li.article[data-id="{article_id}"] mark.ent', timeout=90_000)

            seed_card = page.locator(f'li.article[data-id="{seed["id"]}"]')
            assert seed_card.locator("mark.ent-PERS").count() >= 3
            assert seed_card.locator("mark.ent-LOC").count() >= 3
            assert "بوتين" in seed_card.locator("h3 mark.ent-PERS").first.text_content()
            assert page.locator("html").get_attribute("dir") == "rtl"

            # The script in the title is text on the page, and neither it nor the image's handler ran.
            evil_title = page.locator(f'li.article[data-id="{evil["id"]}"] h3').text_content()
            assert evil_title.startswith("<script>window.__pwned = 1</script><img src=x") and "بوتين" in evil_title
            assert page.evaluate("window.__pwned") is None
            assert page.evaluate("document.scripts.length") == 1 and page.locator("img").count() == 0

            # Hover: the mention's confidence and the entity it belongs to.
            page.hover(f'li.article[data-id="{seed["id"]}"] h3 mark.ent-PERS >> nth=0')
            tooltip = page.locator("#tooltip")
            assert tooltip.is_visible()
            assert "الثقة" in tooltip.text_content() and "فلاديمير بوتين" in tooltip.text_content()

            page.wait_for_selector("#deadletters .reason:text('not_json')", timeout=60_000)
            page.wait_for_function("document.querySelector('#trending li') !== null", timeout=30_000)
            assert "فلاديمير بوتين" in page.locator("#trending").text_content()
            page.wait_for_function("document.querySelector('#health').textContent.includes('1/1')", timeout=30_000)

            # The Arabic is drawn with a font that has Arabic glyphs (not a fallback box font).
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            title_node = cdp.send(
                "DOM.querySelector", {"nodeId": root, "selector": f'li.article[data-id="{seed["id"]}"] h3'}
            )
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": title_node["nodeId"]})["fonts"]
            assert any("Arabic" in font["familyName"] for font in fonts), fonts

            # A reload gets everything back from the desk, and the stream goes on.
            page.reload()
            page.wait_for_selector(f'li.article[data-id="{seed["id"]}"] mark.ent-PERS', timeout=30_000)
            [later] = replay(desk_settings, [article(2, title="كيم جونج أون يستقبل بوتين")])
            page.wait_for_selector(f'li.article[data-id="{later}"] mark.ent-PERS', timeout=90_000)

            # Stories (issue 15) come after their articles, from the stories topic: the near-copy shown on its
            # own card folds under its story's first article. A resolved place (issue 14) shows its Latin name
            # and country, and the country is listed.
            copies = [article(20, *NEWS[0]), article(21, NEWS[0][0] + "!", NEWS[0][1])]
            first, copy = send_enriched(desk_settings, copies, change=with_geo)
            page.wait_for_selector(f'li.article[data-id="{copy}"]', timeout=60_000)
            send_stories(desk_settings, {first: (first, None), copy: (first, first)})
            story = f'li.article[data-story="{first}"]'
            page.wait_for_selector(f"{story} .copies li", state="attached", timeout=60_000)  # folded: hidden
            assert page.locator(story).count() == 1 and page.locator(f"{story} .copies li").count() == 1
            page.click(f"{story} .copies summary")
            assert page.locator(f"{story} .copies li").is_visible()
            page.hover(f"{story} h3 mark.ent-LOC >> nth=0")
            assert "Beirut" in tooltip.text_content() and "LB" in tooltip.text_content()
            page.wait_for_selector("#countries .code:text('LB')", timeout=30_000)
            assert page.locator("#connection").get_attribute("data-state") == "live"
            assert errors == []

            page.hover(f'li.article[data-id="{later}"] h3 mark.ent-PERS >> nth=0')
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "desk.png"))
        finally:
            browser.close()


def with_geo(record: dict) -> dict:
    """Beirut resolved, as the knowledge of records v3 has it."""
    for entity in record["entities"]:
        if entity["name"] == "بيروت":
            entity.update(
                id="geonames:276781",
                latin={"text": "Beirut", "source": "geonames"},
                geo={"geonames_id": 276781, "country": "LB", "feature": "city"},
            )
    return record


def send_stories(settings, stories: dict[str, tuple[str, str | None]]) -> None:
    """Article id -> (story id, duplicate of) to the stories topic, as `khabar stories` writes them."""
    from kafka import KafkaProducer

    from khabar import schemas

    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    try:
        for article_id, (story_id, duplicate_of) in stories.items():
            first_seen = {"source": "test", "time": "2026-01-01T12:00:00.000Z"}
            record = {
                "schema_version": schemas.VERSIONS[schemas.STORY],
                "id": article_id,
                "source": "test",
                "time": "2026-01-01T12:00:00.000Z",
                "story": {"id": story_id, "duplicate_of": duplicate_of, "first_seen": first_seen},
                "assigned_at": schemas.timestamp(),
            }
            schemas.validate(schemas.STORY, record)
            producer.send(settings.stories_topic, key=article_id.encode(), value=schemas.encode(record)).get(60)
    finally:
        producer.close()


class EventStream:
    """The page's event stream read as a browser does, on a thread: every event kind and data line."""

    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url + "events", timeout=300)
        self.events: list[tuple[str, str]] = []
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        kind = None
        try:
            for line in self.response:
                text = line.decode("utf-8").rstrip("\n")
                if text.startswith("event: "):
                    kind = text[len("event: ") :]
                elif text.startswith("data: ") and kind:
                    self.events.append((kind, text[len("data: ") :]))
        except (OSError, ValueError, AttributeError):  # closed under the reader, by close()
            if not self.closed:
                raise

    def articles(self) -> set[str]:
        ids = set()
        for kind, data in list(self.events):
            if kind == "article":
                ids.add(json.loads(data)["id"])
            elif kind == "snapshot":
                ids.update(a["id"] for a in json.loads(data)["articles"])
        return ids

    def close(self) -> None:
        self.closed = True
        self.response.close()


def send_enriched(settings, records: list[dict], change=lambda record: record) -> list[str]:
    """Enrich in this process (the worker's own Processor) and write the outcomes as a worker would, each
    enriched record passed through `change` first (to add what later record versions will carry)."""
    from kafka import KafkaProducer

    from khabar.enricher.processing import Processor
    from khabar.records import Origin
    from khabar.schemas import encode
    from khabar.text.pipeline import TextPipeline

    processor = Processor(settings, TextPipeline())
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    try:
        for n, record in enumerate(records):
            outcome = processor.process(encode(record), Origin(settings.raw_topic, 0, n, None, None))
            assert outcome.enriched
            value = encode(change(json.loads(outcome.value)))
            producer.send(settings.enriched_topic, key=outcome.key, value=value).get(timeout=60)
    finally:
        producer.close()
    return [record["id"] for record in records]


@pytest.mark.chaos
def test_the_desk_and_its_open_page_ride_out_a_broker_restart(desk_settings, tmp_path):
    # A broker of this test's own: the session's must stay up for the others.
    broker = LocalBroker(free_port(), free_port(), tmp_path / "kafka", desk_settings.cache_dir)
    broker.up(timeout=180)
    settings = desk_settings.replace(bootstrap_servers=broker.bootstrap)
    ensure_topics(settings)
    desk = DeskProcess(settings, tmp_path / "desk.log")
    stream = None
    try:
        url = desk.start().url + "/"
        stream = EventStream(url)
        [before] = send_enriched(settings, [article(10)])
        wait_for(lambda: before in stream.articles(), 60, "the first article on the page")

        broker.down()
        time.sleep(5)
        broker.up(timeout=180)

        [after] = send_enriched(settings, [article(11, title="موسكو تستقبل كيم")])
        wait_for(lambda: after in stream.articles(), 120, "an article sent after the restart, on the same stream")
        assert stream.thread.is_alive(), "the page's connection to the desk was dropped"
        assert {before, after} <= {a["id"] for a in snapshot(url)["articles"]}
        assert desk.alive(), desk.log_tail()
    finally:
        if stream is not None:
            stream.close()
        desk.stop()
        broker.down()
