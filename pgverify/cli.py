"""The ``pgverify`` command line: it parses arguments and calls the library."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from numeric.errors import PGVerifyError
from pgverify import __version__

__all__ = ["main", "watch"]

#: Exit statuses: 0 every claim proved or verified; 1 some claim refuted or ill-formed (this wins over 3);
#: 2 a usage or internal error (no verdicts); 3 some claim undecided and none refuted or ill-formed.
EXIT_OK, EXIT_REFUTED, EXIT_ERROR, EXIT_UNDECIDED = 0, 1, 2, 3


def _status(run) -> int:  # type: ignore[no-untyped-def]
    return EXIT_REFUTED if run.refuted else EXIT_UNDECIDED if run.undecided else EXIT_OK


def _seed(text: str) -> int:
    """An argparse type: a seed is a non-negative integer (argparse names ``--seed`` in its error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pgverify", description="Verify the policy-gradient claims of "
                                "“A Tale of Policy Gradients”: proved, verified, refuted or ill-formed.")
    p.add_argument("--version", action="version", version=f"pgverify {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def seeded(sp: argparse.ArgumentParser, *, catalogue: bool = True) -> None:
        sp.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (default 0)")
        sp.add_argument("--examples", type=int, default=None, help="Hypothesis examples per numeric check")
        sp.add_argument("--points", type=int, default=None, help="random points per exact check")
        if not catalogue:
            return
        sp.add_argument("--claims", action="append", metavar="GLOB",
                        help="shell-style pattern of claim ids (e.g. 'pgt.*'); may repeat")
        sp.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per CPU)")
        sp.add_argument("--opt-in", action="append", default=[], metavar="NAME",
                        help="also run a costly check (e.g. symbolic-4x2); the table lists the available ones")
        sp.add_argument("--no-cache", action="store_true", help="recompute symbolic proofs instead of reusing "
                        "cached ones (the cache is keyed by the engines' source code)")

    c = sub.add_parser("check", help="check claims; exit 0 if all are proved or verified, 1 if any is refuted or "
                       "ill-formed, 3 if any is undecided (and none refuted), 2 on an error")
    seeded(c)
    c.add_argument("--json", action="store_true", help="print the JSON object instead of the table")
    sub.add_parser("list", help="list the claim ids with their statements")
    r = sub.add_parser("report", help="write docs/report.md and docs/report.tex")
    seeded(r)
    r.add_argument("--out", type=Path, default=Path("docs"), help="output directory (default docs/)")
    v = sub.add_parser("verify", help="check every display of a Markdown/LaTeX file, or the derivations of a "
                       "Python file; exit statuses as for check")
    v.add_argument("path", type=Path, help="FILE.md | FILE.tex (every display) or FILE.py (derivations defined "
                   "with @pgverify.derivation)")
    seeded(v, catalogue=False)
    v.add_argument("--json", action="store_true", help="print the JSON object instead of the table")
    v.add_argument("--watch", action="store_true", help="Markdown/LaTeX: check the file, then check it again each "
                   "time it (or its side file <file>.pgverify.toml) is saved, until Ctrl-C; unchanged displays are "
                   "answered from the result cache")
    v.add_argument("--watch-interval", type=float, default=0.5, metavar="SECONDS",
                   help="--watch: how often the file's modification time is polled (default 0.5)")
    _document_options(v)
    an = sub.add_parser("annotate", help="write a Markdown/LaTeX file back with each display's verdict beside it: "
                        "<name>.annotated.md (or .tex) and a self-contained <name>.annotated.html")
    an.add_argument("path", type=Path, help="FILE.md or FILE.tex")
    seeded(an, catalogue=False)
    an.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one); "
                    "<name>.annotated.* already there are overwritten")
    _document_options(an)
    for sp in (v, an):
        sp.add_argument("--no-cache", action="store_true", help="check every display afresh: neither read nor write "
                        "the cached results of displays nor the cached symbolic proofs (both are keyed by the "
                        "engines' source code)")
        sp.add_argument("--states", type=int, default=2, help="states of the symbolic tabular-softmax families "
                        "(default 2; at most 3, and states × actions at most 6)")
        sp.add_argument("--actions", type=int, default=2, help="actions of the symbolic tabular-softmax families "
                        "(default 2)")
        _scale_options(sp, verify=sp is v)
    bx = sub.add_parser("boxes", help="check the algorithm boxes (pseudo-code) of a Markdown/LaTeX file: E[output] "
                        "over every batch of N roll-outs; exit statuses as for check")
    bx.add_argument("path", type=Path, help="FILE.md or FILE.tex")
    bx.add_argument("--seed", type=_seed, default=0, help="seed of the drawn models (default 0)")
    bx.add_argument("--draws", type=int, default=4, help="drawn models per N (default 4)")
    bx.add_argument("--json", action="store_true", help="print the JSON object instead of the text")
    bx.add_argument("--profile", choices=("post", "textbook"), default="post",
                    help="the boxes' notation unless their annotation says (default post)")
    lx = sub.add_parser("latex", help="print the closed-form U and its gradient of a symbolic family")
    lx.add_argument("--family", choices=("tabular-softmax", "lqr"), default="tabular-softmax",
                    help="tabular-softmax (U and ∂U/∂θ) or lqr (U(k), dU/dk and the DPG)")
    lx.add_argument("--states", type=int, default=None, help="tabular-softmax: number of states (default 2)")
    lx.add_argument("--actions", type=int, default=None, help="tabular-softmax: number of actions (default 2)")
    pl = sub.add_parser("plot", help="write a PNG (needs the plot extra: pip install 'pgverify[plot]')")
    pl.add_argument("what", choices=("variance", "stochastic-limit"),
                    help="variance: the VPG estimators' error against roll-outs; "
                         "stochastic-limit: the Gaussian policy gradient → DPG as σ → 0")
    pl.add_argument("--out", type=Path, default=None, help="the PNG to write (default docs/variance.png or docs/dpg-limit.png)")
    pl.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (default 0)")
    pl.add_argument("--mdp", type=Path, default=None,
                    help="variance: a JSON file {P, r, discount, absorbing, horizon[, initial, theta]} "
                         "(default: the census counterexample of vpg.variance.value-baseline)")
    sub.add_parser("profiles", help="list the notation profiles (--profile NAME), each with its description and "
                   "one example display")
    _audit_parser(sub)
    return p


def _audit_parser(sub) -> None:  # type: ignore[no-untyped-def]
    au = sub.add_parser("audit", help="IMPORTS AND RUNS YOUR CODE: the exact expectation and variance of your "
                        "policy-gradient estimators on an MDP where the targets differ, with a verdict in plain words; "
                        "exit 0 unbiased, 1 biased, 3 undecided, 2 on an error",
                        description="Audit policy-gradient estimators by exact enumeration.  Each SPEC is "
                        "path/to/file.py:function or package.module:function; the file or module is imported, which "
                        "RUNS ITS CODE: audit only code you trust.  The function takes (theta, batch) (see "
                        "docs/audit.md) or (log_probs, rewards, gamma) for one episode, and returns a loss (torch/jax) "
                        "or, with --output gradient, an estimate of ∇U.")
    au.add_argument("specs", nargs="+", metavar="SPEC", help="path/to/file.py:function or package.module:function")
    au.add_argument("--states", type=int, default=3, help="non-absorbing states (default 3)")
    au.add_argument("--actions", type=int, default=3, help="actions (default 3)")
    au.add_argument("--horizon", type=int, default=3, help="longest episode, in steps (default 3; at most --states)")
    au.add_argument("--discount", default="4/5", help="γ, a rational in (0, 1] such as 0.9 or 4/5 (default 4/5)")
    au.add_argument("--seed", type=_seed, default=0, help="seed of the MDP and policy (default 0)")
    au.add_argument("--episodes", type=int, default=1, help="episodes per batch, one per parallel environment "
                    "(default 1; the batches are all tuples of episodes, so their number is a power)")
    au.add_argument("--framework", choices=("auto", "torch", "jax", "numpy"), default="auto",
                    help="the estimator's framework (default: from the modules its file imports)")
    au.add_argument("--output", choices=("loss", "gradient"), default="loss",
                    help="batch form: the function returns a loss to minimise (default) or a gradient estimate")
    au.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="θ's dtype (default float32)")
    au.add_argument("--condition-on-success", action="store_true",
                    help="when the estimator fails on some batches (an exception, NaN), diagnose E[ĝ] given success "
                         "instead of reporting undecided")
    au.add_argument("--up-to-factor", action="store_true",
                    help="exit 0 also for a positive multiple c·∇U (a loss averaged over a fixed number of steps)")
    au.add_argument("--network", metavar="SPEC", default=None,
                    help="file.py:make with make(num_inputs, num_actions) returning a torch nn.Module: the policy is "
                         "that network over one-hot states, E[ĝ] and ∇U w.r.t. its weights (per-episode estimators)")
    au.add_argument("--json", action="store_true", help="print the JSON object instead of the text")


# --- documents (notation wing): verify FILE.md|FILE.tex, annotate --------------------------------------------


def _document_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--profile", default=None, help="notation profile (post, textbook, or a .toml file); "
                    "default: the file's own choice, else post")
    sp.add_argument("--annotations", default="auto", help="side file of annotations (default: <file>.pgverify.toml "
                    "or a shipped one matching the document's title)")


def _scale_options(sp: argparse.ArgumentParser, *, verify: bool) -> None:
    """Markdown/LaTeX documents of any length (:mod:`pgverify.stream`): jobs, a time limit, progress, streaming."""
    from pgverify.stream import DEFAULT_TIME_LIMIT

    sp.add_argument("--jobs", type=int, default=None, help="Markdown/LaTeX: worker processes checking displays in "
                    "parallel (default 1; results in document order, the same as with 1)")
    sp.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                    help=f"Markdown/LaTeX: seconds one display may take (default {DEFAULT_TIME_LIMIT:g}; 0 for no "
                    f"limit); a display that reaches it is undecided")
    sp.add_argument("--progress", action="store_true", help="Markdown/LaTeX: show the progress bar (on standard "
                    "error, after 2 s) even when standard error is not a terminal")
    if verify:
        sp.add_argument("--json-lines", action="store_true", help="Markdown/LaTeX: print one JSON object per "
                        "display as it is decided, then a closing summary object")


def _scale(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    """The options of :func:`pgverify.stream.stream_document` the command line gives."""
    from pgverify.stream import DEFAULT_TIME_LIMIT

    if args.jobs is not None and args.jobs < 1:
        raise PGVerifyError(f"--jobs must be at least 1, got {args.jobs}")
    limit = DEFAULT_TIME_LIMIT if args.time_limit is None else args.time_limit
    if not 0 <= limit < float("inf"):
        raise PGVerifyError(f"--time-limit must be a non-negative number of seconds (0 for no limit), got {limit}")
    return dict(profile=args.profile, annotations=args.annotations, jobs=args.jobs or 1, time_limit=limit,
                progress=True if args.progress else None)


def _document(args: argparse.Namespace) -> int:
    from pgverify import documents
    from pgverify.notation.document import read_source

    text = read_source(args.path)  # a directory, a missing, unreadable or non-UTF-8 file: an error naming it
    suffix = args.path.suffix.lower()
    if suffix not in documents.DOCUMENT_SUFFIXES:
        raise PGVerifyError(f"{args.path}: expected a Markdown or LaTeX file ({', '.join(documents.DOCUMENT_SUFFIXES)})"
                            f"{'; pgverify verify reads Python derivations too' if args.command == 'annotate' else ''}")
    if args.command == "annotate":
        _writable_folder(args.out)
    from pgverify import stream

    if args.command == "verify" and args.json and args.json_lines:
        raise PGVerifyError("--json and --json-lines: choose one (--json prints one object at the end, "
                            "--json-lines one per display as it is decided)")
    if args.command == "verify" and not args.json:  # streamed: each display printed as it is decided
        emit = stream.json_lines if args.json_lines else stream.table_lines
        return _status(emit(args.path, _settings(args), emit=_emit, **_scale(args)))
    run = stream.check_document(args.path, _settings(args), **_scale(args))
    if args.command == "annotate":
        from pgverify.output.annotate import annotated_html, annotated_markdown

        tex = suffix in (".tex", ".ltx")
        md = args.out / f"{args.path.stem}.annotated{'.tex' if tex else '.md'}"
        page = args.out / f"{args.path.stem}.annotated.html"
        for target, content in ((md, annotated_markdown(text, run, latex=tex)),
                                (page, annotated_html(text, run, title=args.path.name))):
            try:
                target.write_text(content, encoding="utf-8")
            except OSError as exc:
                raise PGVerifyError(f"--out {args.out}: cannot write {target.name}: {exc.strerror or exc}") from None
        _emit(f"wrote {md}\nwrote {page}")
    else:
        _emit(documents.dumps(run) if args.json else documents.table(run))
    return _status(run)


def _document_suffixes() -> tuple[str, ...]:
    from pgverify.documents import DOCUMENT_SUFFIXES

    return DOCUMENT_SUFFIXES


def watch(path: Path, run: Callable[[], int], *, interval: float = 0.5, polls: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """``verify --watch``: ``run()`` once, then again whenever ``path`` or its side file ``<path>.pgverify.toml``
    changes (modification time or size, polled every ``interval`` seconds), until Ctrl-C or, when given, ``polls``
    polls.  An error of one run (a file saved half-written, holding no display) is printed and the watch goes on.
    Returns the exit status of the last run completed (Ctrl-C during a run abandons that run).
    """
    status = EXIT_ERROR
    try:
        seen = _stamp(path)  # before the run: a save during the first check is seen at the first poll
        status = _reporting(run)
        polled = 0
        while polls is None or polled < polls:
            sleep(interval)
            polled += 1
            now = _stamp(path)
            if now != seen:
                seen = now
                _emit(f"\n{path} changed: checking again")
                status = _reporting(run)
    except KeyboardInterrupt:
        _emit("\nstopped watching")
    return status


def _stamp(path: Path) -> tuple[tuple[int, int] | None, ...]:
    """The modification time and size of ``path`` and of its side file (None for a file that is missing)."""
    def one(p: Path) -> tuple[int, int] | None:
        try:
            st = p.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    return one(path), one(path.with_name(path.name + ".pgverify.toml"))


def _reporting(run: Callable[[], int]) -> int:
    """``run()``, its error printed as the command would print it (the watch goes on)."""
    try:
        return run()
    except PGVerifyError as exc:
        print(f"pgverify: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_ERROR


def _writable_folder(out: Path) -> None:
    """``annotate --out``: a folder (made if missing) that can be written, checked before any display is."""
    import os

    if out.exists() and not out.is_dir():
        raise PGVerifyError(f"--out {out} is an existing file; --out names the folder the annotated files are "
                            f"written into")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PGVerifyError(f"--out {out}: cannot make the folder: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise PGVerifyError(f"--out {out}: the folder is not writable (permission denied)")


# ---------------------------------------------------------------------------------------------------------------


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from pgverify.settings import Settings

    s = Settings(seed=args.seed, cache=not getattr(args, "no_cache", False), opt_in=tuple(getattr(args, "opt_in", ())))
    kw = {}
    if args.examples is not None:
        if args.examples < 1:
            raise PGVerifyError(f"--examples must be at least 1, got {args.examples}")
        kw["numeric_examples"] = args.examples
    if args.points is not None:
        if args.points < 1:
            raise PGVerifyError(f"--points must be at least 1, got {args.points}")
        kw["exact_points"] = args.points
    if getattr(args, "states", None) is not None:  # verify / annotate: the symbolic tabular family's size
        for flag, value in (("--states", args.states), ("--actions", args.actions)):
            if value < 1:
                raise PGVerifyError(f"{flag} must be at least 1, got {value}")
        kw["symbolic_size"] = (args.states, args.actions)
    from dataclasses import replace

    from pgverify.settings import InvalidSettingsError

    try:
        return replace(s, **kw)
    except InvalidSettingsError as exc:  # Settings checks the size against the families' limits
        if "symbolic_size" not in kw:
            raise
        raise PGVerifyError(f"--states {args.states} --actions {args.actions}: "
                            f"{str(exc).split(': ', 1)[-1]}") from None


def _audit(args: argparse.Namespace) -> int:
    import json
    from fractions import Fraction

    from pgverify.audit.run import audit_estimators

    try:
        discount = Fraction(args.discount)
    except (ValueError, ZeroDivisionError):
        raise PGVerifyError(f"--discount must be a rational number such as 0.9 or 4/5, got {args.discount!r}") from None
    report = audit_estimators(args.specs, states=args.states, actions=args.actions, horizon=args.horizon,
                              discount=discount, seed=args.seed, framework=args.framework, output=args.output,
                              dtype=args.dtype, condition_on_success=args.condition_on_success,
                              up_to_factor=args.up_to_factor, network=args.network,
                              episodes=args.episodes)
    _emit(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) if args.json else report.text())
    return report.exit_status


def _jobs(args: argparse.Namespace) -> int | None:
    if args.jobs is not None and args.jobs < 1:
        raise PGVerifyError(f"--jobs must be at least 1, got {args.jobs}")
    return args.jobs


def _emit(text: str) -> None:
    """Print ``text``; if the reader has gone (``pgverify list | head -1``), drop the rest quietly.

    Standard output is then pointed at /dev/null so that the interpreter's final flush cannot fail
    either; the command still returns its own exit status.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            from pgverify import api
            from pgverify.output import report

            run = api.check(args.claims, _settings(args), jobs=_jobs(args))
            _emit(report.dumps(run) if args.json else report.table(run))
            return _status(run)
        if args.command in ("verify", "annotate") and args.path.is_dir():
            raise PGVerifyError(f"{args.path} is a directory, not a file to verify")
        if args.command == "verify" and args.watch:
            if args.path.suffix.lower() not in _document_suffixes():
                raise PGVerifyError(f"--watch checks Markdown/LaTeX documents ({', '.join(_document_suffixes())}), "
                                    f"not {args.path.name}")
            if not args.watch_interval > 0:
                raise PGVerifyError(f"--watch-interval must be a positive number of seconds, got "
                                    f"{args.watch_interval}")
            return watch(args.path, lambda: _document(args), interval=args.watch_interval)
        if args.command == "annotate" or (args.command == "verify" and args.path.suffix.lower() != ".py"):
            return _document(args)
        if args.command == "verify":
            from pgverify import derivations

            given = [f for f, on in (("--jobs", args.jobs is not None), ("--time-limit", args.time_limit is not None),
                                     ("--progress", args.progress), ("--json-lines", args.json_lines)) if on]
            if given:
                raise PGVerifyError(f"{', '.join(given)}: for Markdown/LaTeX documents; {args.path.name} holds "
                                    f"Python derivations")

            text, run = derivations.verify_file(args.path, _settings(args), as_json=args.json)
            _emit(text)
            return _status(run)
        if args.command == "list":
            from pgverify import cache

            def catalogue() -> list[str]:
                from pgverify import api

                return [f"{c.id}\n    {c.statement}" for c in api.claims()]

            for line in cache.listing(catalogue):
                _emit(line)
            return EXIT_OK
        if args.command == "profiles":
            from pgverify.notation.profiles import listing

            _emit(listing())
            return EXIT_OK
        if args.command == "report":
            from pgverify.output.docs import write_report

            written = write_report(args.out, _settings(args), args.claims, jobs=_jobs(args))
            for path in written:
                _emit(f"wrote {path}")
            return EXIT_OK
        if args.command == "boxes":
            from pgverify.audit.boxes import check_boxes

            boxes = check_boxes(args.path, profile=args.profile, draws=args.draws, seed=args.seed)
            if args.json:
                import json

                _emit(json.dumps(boxes.to_json(), indent=2, ensure_ascii=False))
            else:
                _emit(str(boxes))
            return _status(boxes)
        if args.command == "latex":
            if args.family == "lqr":
                if args.states is not None or args.actions is not None:
                    raise PGVerifyError("--states and --actions apply to --family tabular-softmax only; "
                                        "the LQR family is scalar")
                from symbolic.dpg import lqr_latex

                _emit(lqr_latex())
                return EXIT_OK
            from symbolic.latex import family_latex

            states, actions = args.states or 2, args.actions or 2
            if (args.states is not None and args.states < 1) or (args.actions is not None and args.actions < 1):
                raise PGVerifyError(f"--states and --actions must be at least 1, got {args.states} and {args.actions}")
            _emit(family_latex(states, actions))
            return EXIT_OK
        if args.command == "audit":
            return _audit(args)
        if args.command == "plot":
            out = args.out or Path("docs") / {"variance": "variance.png", "stochastic-limit": "dpg-limit.png"}[args.what]
            if args.what == "variance":
                from pgverify.output.plot_vpg import load_episodic_json, plot_variance

                mdp, policy = load_episodic_json(args.mdp) if args.mdp else (None, None)
                _emit(f"wrote {plot_variance(mdp, policy, out=out, seed=args.seed)}")
            else:
                if args.mdp is not None:
                    raise PGVerifyError("--mdp applies to `pgverify plot variance` only")
                from pgverify.output.plot_dpg import plot_stochastic_limit

                _emit(f"wrote {plot_stochastic_limit(out, seed=args.seed)}")
            return EXIT_OK
    except PGVerifyError as exc:
        print(f"pgverify: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # an internal error: never a silent exit 0 or 1
        print(f"pgverify: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
