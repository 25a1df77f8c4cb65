"""What uploads cost and what they save: renditions of a 12-megapixel JPEG, and the bytes a
390 px phone downloads for a post with three photos, against the three originals.

    .venv/bin/python bench/images.py [--runs 3]

The photos are made here (sky, hills, grain: they compress like photos, not like flat
colour). A phone's choice follows the page's `sizes` (the column is 100vw - 2rem up to
42rem): the smallest WebP rendition at least as wide as the slot times the device pixel ratio.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from PIL import Image, ImageDraw, ImageFilter

from liveline.formats import images

PHONE_CSS_WIDTH = 390
SLOT = PHONE_CSS_WIDTH - 32  # 100vw - 2rem


def photo(width: int, height: int, seed: int) -> bytes:
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge(
        "RGB",
        (sky.point(lambda v: 60 + v // 3), sky.point(lambda v: 110 + v // 3),
         sky.point(lambda v: 200 + v // 5)),
    )  # fmt: skip
    draw = ImageDraw.Draw(image)
    for layer in range(4):
        top = height * (0.45 + 0.12 * layer)
        points = [(x, top - ((x * (layer + 3) + seed * 131) % (height // 4)))
                  for x in range(0, width + 150, 150)]  # fmt: skip
        draw.polygon([(0, height), *points, (width, height)],
                     fill=(40 + 30 * layer, 80 + 20 * layer + 10 * seed, 50))  # fmt: skip
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, grain, 0.12).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)  # what a newsroom's photo desk typically sends
    return out.getvalue()


def chosen(made: images.Processed, dpr: float) -> images.Encoded:
    webp = sorted((r for r in made.renditions if r.type == "image/webp"), key=lambda r: r.width)
    need = SLOT * dpr
    return next((r for r in webp if r.width >= need), webp[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    big = photo(4000, 3000, 0)
    timings, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        made = images.process(big)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"12 MP JPEG (4000×3000, {len(big):,} bytes): checked, cleaned and cut into "
          f"{len(made.renditions)} renditions + the cleaned original in "
          f"median {statistics.median(timings):.2f} s (min {min(timings):.2f}, "
          f"max {max(timings):.2f}) over {args.runs} runs; CPU median "
          f"{statistics.median(cpu):.2f} s")  # fmt: skip
    for item in (made.original, *made.renditions):
        print(f"  {item.width:>5} px {item.type:<11} {len(item.data):>10,} bytes")

    originals = [photo(4000, 3000, seed) for seed in range(3)]
    processed = [images.process(data) for data in originals]
    total = sum(len(data) for data in originals)
    print(f"\nA post with three 12 MP photos: originals {total:,} bytes")
    for dpr in (1, 2, 3):
        picks = [chosen(made, dpr) for made in processed]
        fetched = sum(len(item.data) for item in picks)
        print(f"  390 px phone at {dpr}x: {picks[0].width} px WebP, {fetched:,} bytes "
              f"({fetched / total:.1%} of the originals, {total / fetched:.0f}× less)")  # fmt: skip


if __name__ == "__main__":
    main()
