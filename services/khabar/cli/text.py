"""Commands of the text library that need no broker: enrich and validate files, train and evaluate the tagger."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from khabar.cli.params import paths_argument, say_problem
from khabar.config import Settings
from khabar.producer.sources import InputError, read_paths


@click.command()
@paths_argument
@click.option("--indent", type=int, default=None, help="Pretty-print with this indent instead of one line per article.")
@click.pass_obj
def enrich(settings: Settings, paths: tuple[str, ...], indent: int | None) -> None:
    """Enrich article files without a broker, exactly as the worker would (limits, validation, dead letters):
    prints each enriched record as JSON on standard output, each dead letter on standard error (`-`: JSON Lines
    from standard input, each printed as its line arrives). Exits non-zero if any article was not enriched."""
    from khabar import schemas
    from khabar.enricher.processing import Origin, Processor
    from khabar.text.pipeline import TextPipeline

    knowledge = settings.enriched_schema_version >= 3
    pipeline = TextPipeline(settings.ner_backend, settings.ner_model_path, knowledge=knowledge)
    processor = Processor(settings, pipeline)
    problems = 0
    for number, item in enumerate(read_paths(paths)):
        if isinstance(item, InputError):
            problems += 1
            say_problem(f"invalid: {item}")
            continue
        outcome = processor.process(schemas.encode(item), Origin("file", 0, number, item["id"].encode(), None))
        if outcome.enriched:
            click.echo(json.dumps(outcome.record, ensure_ascii=False, indent=indent))
        else:
            problems += 1
            say_problem(f"dead letter: {json.dumps(outcome.record, ensure_ascii=False)}")
    if problems:
        raise SystemExit(1)


@click.command()
@paths_argument
def validate(paths: tuple[str, ...]) -> None:
    """Check article files as the producer would (readable, and each article valid against the raw schema)."""
    valid = 0
    failures = []
    for item in read_paths(paths):
        if isinstance(item, InputError):
            failures.append(item)
            click.echo(f"FAIL {item}")
        else:
            valid += 1
    click.echo(f"{valid} valid, {len(failures)} invalid")
    if failures or not valid:
        raise SystemExit(1)


@click.command("train-ner")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Model file to write (default: the packaged model; required with --unlabeled).",
)
@click.option(
    "--shared-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Shared data root (default: KHABAR_SHARED_DIR, see `khabar config`).",
)
@click.option(
    "--dev",
    is_flag=True,
    help="Train on the first 85% of anercorp/train.tsv and score the held-out last 15% "
    "(with --unlabeled: with and without the archive's clusters).",
)
@click.option(
    "--unlabeled",
    "unlabeled",
    multiple=True,
    type=click.Path(exists=True, path_type=str),
    help="A desk's own archive (repeatable): article files or directories of the kinds `khabar replay` reads "
    "(.txt, .json, .jsonl, .zip). Word clusters learned from them become features of the model.",
)
@click.pass_obj
def train_ner(
    settings: Settings, output: Path | None, shared_dir: Path | None, dev: bool, unlabeled: tuple[str, ...]
) -> None:
    """Train the NER model (deterministic; needs `uv sync --group ner-train`).

    With --unlabeled, the fast tagger also learns from a desk's archive: the articles are tokenised as the
    pipeline tokenises them, each word's left and right neighbours counted, the counts reduced (PPMI, SVD) and
    clustered at 64, 256 and 1024 clusters; the cluster of each word and of its stem are features, and the
    cluster table travels inside the model file, which KHABAR_NER_MODEL_PATH then loads. The packaged model is
    never overwritten from an archive: give --output (a model learned from an archive carries its licence)."""
    import importlib.util

    from khabar.text.ner import DEFAULT_MODEL
    from khabar.text.ner.train import TRAINING_PACKAGES, train_model

    if unlabeled and not (output or dev):
        raise click.UsageError("--unlabeled needs --output FILE (or --dev): the packaged model stays as it is")
    missing = [m for m in TRAINING_PACKAGES if importlib.util.find_spec(m) is None]
    if missing:
        raise click.UsageError(f"missing training packages {missing}: run `uv run --group ner-train khabar train-ner`")

    t0 = time.time()
    shared = shared_dir or settings.shared_dir
    if not (shared / "data/ner/anercorp/train.tsv").exists():
        raise click.UsageError(f"no {shared}/data/ner/anercorp/train.tsv: set --shared-dir or KHABAR_SHARED_DIR")
    log = lambda m: click.echo(m, err=True)  # noqa: E731
    clusters, archive = None, None
    if unlabeled:
        clusters, archive = _archive_clusters(unlabeled, log)
    tagger, report = train_model(shared, dev=dev, log=log, clusters=clusters, archive=archive)
    if report and clusters is not None:
        _, without = train_model(shared, dev=True, log=log)
        report = {"with_archive": report, "without_archive": without}
    if report:
        click.echo(json.dumps(report, ensure_ascii=False))
    if output or not dev:
        out = output or DEFAULT_MODEL
        out.parent.mkdir(parents=True, exist_ok=True)
        tagger.save(out)
        click.echo(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", err=True)
    click.echo(f"train-ner finished in {time.time() - t0:.0f}s", err=True)


def _archive_clusters(paths: tuple[str, ...], log):
    """Word clusters of the articles under `paths`; unreadable or invalid items are said and skipped."""
    from tqdm import tqdm

    from khabar.text.ner.archive import archive_sentences, learn_word_clusters

    t0 = time.time()
    skipped = 0
    articles: list[tuple[str, str]] = []
    for item in tqdm(read_paths(paths), desc="reading the archive", unit=" articles", mininterval=5):
        if isinstance(item, InputError):
            skipped += 1
            if skipped <= 5:
                say_problem(f"skipped: {item}")
        else:
            articles.append((item["title"], item["body"]))
    if skipped:
        say_problem(f"{skipped} items of the archive skipped (not articles)")
    if not articles:
        raise click.UsageError(f"no articles in {', '.join(paths)}: give files or directories `khabar replay` reads")
    progress = lambda it: tqdm(it, desc="counting contexts", unit=" sentences", mininterval=5)  # noqa: E731
    clusters = learn_word_clusters(archive_sentences(articles), progress=progress, log=log)
    log(f"clusters of {len(clusters.words)} words from {len(articles)} articles in {time.time() - t0:.0f}s")
    return clusters, {"articles": len(articles), "skipped": skipped}


@click.command("eval-ner")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--backend", default="khabar", show_default=True, help="khabar or camel.")
@click.option("--model-path", default=None, help="Model file (khabar) or directory (camel).")
@click.option(
    "--seen-from",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Training TSV: also report recall on entities seen / unseen in it.",
)
@click.option(
    "--article-sentences",
    type=int,
    default=0,
    help="Also score extract_entities (article-level propagation and typing) on pseudo-articles "
    "of this many consecutive sentences.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_ner(
    path: Path, backend: str, model_path: str | None, seen_from: Path | None, article_sentences: int, as_json: bool
) -> None:
    """Entity-level (exact span and type) scores of a BIO TSV file; PER/MIS tags count as PERS/MISC."""
    from khabar.text.ner import load_tagger
    from khabar.text.ner.data import read_bio, score, seen_unseen_recall

    sents = read_bio(path)
    tagger = load_tagger(backend, model_path)
    words = [w for w, _ in sents]
    n_tok = sum(len(w) for w in words)
    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1)  # the speed target is for one core
    except ImportError:
        limit = None
    t0 = time.perf_counter()
    tagged = tagger.tag_sentences(words)
    dt = time.perf_counter() - t0
    # Second pass: word types are now cached, as they are in a long-running stream.
    t1 = time.perf_counter()
    tagger.tag_sentences(words)
    dt_warm = time.perf_counter() - t1
    if limit is not None:
        limit.restore_original_limits()
    pred = [[lab for lab, _ in s] for s in tagged]
    res = score([t for _, t in sents], pred)
    res["tokens_per_s"] = round(n_tok / dt)
    res["tokens_per_s_warm_cache"] = round(n_tok / dt_warm)
    res["tokens"] = n_tok
    res["model"] = tagger.name
    if seen_from:
        res["recall_seen_unseen"] = seen_unseen_recall(read_bio(seen_from), sents, pred)
    if article_sentences:
        from khabar.text.ner.evaluation import score_articles

        res["articles"] = dict(score_articles(tagger, sents, article_sentences), sentences=article_sentences)
    if as_json:
        click.echo(json.dumps(res, ensure_ascii=False))
        return
    m = res["micro"]
    click.echo(f"{tagger.name} on {path} ({n_tok} tokens)")
    click.echo(f"micro  P {m['precision']:.2f}  R {m['recall']:.2f}  F1 {m['f1']:.2f}")
    for t, v in res["per_type"].items():
        click.echo(f"{t:<6} P {v['precision']:.2f}  R {v['recall']:.2f}  F1 {v['f1']:.2f}  ({v['support']})")
    click.echo(f"{res['tokens_per_s']} tokens/s (cold cache), {res['tokens_per_s_warm_cache']} warm")
    if seen_from:
        click.echo(f"recall seen/unseen: {res['recall_seen_unseen']}")
    if article_sentences:
        a = res["articles"]["micro"]
        click.echo(
            f"extract_entities on {article_sentences}-sentence pseudo-articles: "
            f"P {a['precision']:.2f}  R {a['recall']:.2f}  F1 {a['f1']:.2f}"
        )
