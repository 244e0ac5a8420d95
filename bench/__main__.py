"""`python -m bench [name …]`: run the named benchmarks (all by default)."""

import sys

from bench import evaluation as evaluation_bench
from bench import imports as imports_bench
from bench import monitoring as monitoring_bench
from bench import recommend as recommend_bench
from bench import reindex as reindex_bench
from bench import scheduling as scheduling_bench
from bench import search as search_bench
from bench import searchload as searchload_bench
from bench import vocabulary as vocabulary_bench

BENCHES = {"search": search_bench.main, "scheduling": scheduling_bench.main, "imports": imports_bench.main,
           "evaluation": evaluation_bench.main,
           "recommend": recommend_bench.main, "reindex": reindex_bench.main, "monitoring": monitoring_bench.main,
           "searchload": searchload_bench.main, "vocabulary": vocabulary_bench.main}


def main() -> None:
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
