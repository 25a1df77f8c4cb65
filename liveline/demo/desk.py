"""A simulated news desk for `liveline serve --demo`.

It keeps the fictional Hurricane Delphine story in `story.txt` going by handing a new
post to `publish` every few seconds, so someone trying Liveline for the first time can
watch updates arrive in the reader page without writing anything themselves.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

# Reporters and places from story.txt, so the follow-ups read as the same newsroom.
_ANA = "Ana Ruiz"
_TOMAS = "Tomas Whitfield"
_JUNE = "June Okafor"
_COLM = "Colm Dwyer"
_PRIYA = "Priya Nand"
_SAM = "Sam Adeyemi"
_PORT = "Port Ellery"
_MARROW = "Marrow Bay"


def _post(
    headline: str,
    body: str,
    authors: list[str],
    location: str | None = None,
    *,
    key_event: bool = False,
) -> dict[str, Any]:
    post: dict[str, Any] = {
        "headline": headline,
        "body": body,
        "authors": authors,
        "location": location,
    }
    if key_event:  # only the milestones carry the flag, as a real desk would set it
        post["key_event"] = True
    return post


# The story picks up where story.txt ends (Saturday evening) and runs into the recovery.
DESK_POSTS: tuple[dict[str, Any], ...] = (
    _post(
        "Curfew takes effect in Port Ellery as the rain gets heavier",
        "Port Ellery's overnight curfew is now in effect, and the streets downtown are "
        "empty except for police cruisers and utility trucks.\n\n"
        "Rain bands are arriving one after another off the bay, and the city's public "
        "works department says several storm drains on Front Street are still backed up.",
        [_ANA],
        _PORT,
    ),
    _post(
        "Power outages in Saltmarsh County peak near 52,000",
        "About 52,000 Calder Electric Cooperative customers are without power, nearly "
        "half the county, as gusts keep snapping branches onto lines.\n\n"
        "Spokesperson Nell Hartigan said the cooperative now expects the outages to peak "
        "overnight and begin falling once crews can go up after daybreak.",
        [_JUNE, _PRIYA],
    ),
    _post(
        "Delphine weakens to a tropical depression over the interior",
        "The Calder Coast Weather Office has downgraded Delphine to a tropical depression, "
        "with maximum sustained winds of 35 mph.\n\n"
        "Forecaster Dana Mireles said the flood threat has not eased: “The wind is the "
        "part you notice. The water is the part that hurts people.”",
        [_TOMAS],
        key_event=True,
    ),
    _post(
        "Flash flood warning issued for the Hollis River valley",
        "A flash flood warning is in effect for communities along the Hollis River until "
        "the river crests, the weather office said.\n\n"
        "Saltmarsh County is urging people in the valley's low-lying neighborhoods to "
        "move to upper floors or to the shelter at Hollis Middle School.",
        [_TOMAS, _SAM],
    ),
    _post(
        "Firefighters help 14 residents out of a flooded apartment complex",
        "Port Ellery firefighters used an inflatable boat to bring 14 residents out of "
        "the Harbor View apartments, where water reached the ground-floor windows.\n\n"
        "Nobody was hurt, the fire department said. The residents were taken to the "
        "shelter at Port Ellery High School.",
        [_ANA],
        _PORT,
    ),
    _post(
        "Shelter population rises above 1,100",
        "More than 1,100 people are now staying in Saltmarsh County's three emergency "
        "shelters, the county said, up from about 900 in the late afternoon.\n\n"
        "Yusra Demir of the Saltmarsh Relief Volunteers said the high school shelter has "
        "enough cots and food for everyone through Sunday.",
        [_PRIYA],
        _PORT,
    ),
    _post(
        "No deaths reported as the worst of the wind passes",
        "County emergency management director Rafe Lindqvist said no deaths and no "
        "serious injuries have been reported anywhere in Saltmarsh County.\n\n"
        "“People listened, and it shows,” Lindqvist said. He asked residents to keep "
        "off the roads until the curfew lifts in the morning.",
        [_JUNE],
        key_event=True,
    ),
    _post(
        "Rainfall totals climb past 9 inches in Port Ellery",
        "The weather office's gauge at the Port Ellery harbor has recorded 9.3 inches of "
        "rain since Friday night.\n\n"
        "**More background:** The Calder Coast's wettest storm on record left 14 inches "
        "on Port Ellery in 2011.",
        [_TOMAS],
    ),
    _post(
        "Gull Island residents report a long but quiet night",
        "Residents who stayed on Gull Island told Liveline by phone that the island's "
        "community hall kept its lights on all night on its generator.\n\n"
        "Several docks were damaged and the ferry landing is covered in sand and "
        "seaweed, they said, but nobody on the island needed help.",
        [_JUNE],
    ),
    _post(
        "Curfew lifts and Port Ellery wakes to debris-strewn streets",
        "The curfew ended at 7 a.m. Sunday, and the first residents out found Front Street "
        "covered in sand, shingles and broken signs.\n\n"
        "Mayor Corinne Vasko asked people to stay out of standing water, which may hide "
        "downed lines and open manholes.",
        [_ANA],
        _PORT,
        key_event=True,
    ),
    _post(
        "Hollis River crests at 14.2 feet, three feet above flood stage",
        "The Hollis River crested at 14.2 feet at the Millbrook bridge on Sunday morning, "
        "about 3 feet above flood stage, the weather office said.\n\n"
        "Water covered River Road and several farm fields but stayed below the homes the "
        "county had asked people to leave.",
        [_TOMAS, _SAM],
        key_event=True,
    ),
    _post(
        "Line crews start restoring power across the county",
        "Calder Electric Cooperative crews began work at first light, and about 38,000 "
        "customers remain without power.\n\n"
        "Hartigan said hospitals, water pumping stations and shelters come first, then "
        "the lines that bring the largest number of homes back at once.",
        [_JUNE, _PRIYA],
    ),
    _post(
        "Engineers begin inspecting the Marrow Bay Causeway",
        "A team of county engineers is walking the Marrow Bay Causeway to check its "
        "deck and supports for damage from the surge.\n\n"
        "The causeway stays closed to all traffic until they finish, the county said.",
        [_COLM],
        _MARROW,
    ),
    _post(
        "Marrow Bay marina counts a dozen damaged boats",
        "At least 12 boats were damaged at the Marrow Bay marina, the harbormaster said, "
        "most of them after breaking free of their moorings.\n\n"
        "The sailboat whose crew was rescued on Saturday washed up intact on the beach "
        "below Marrow Point.",
        [_COLM],
        _MARROW,
    ),
    _post(
        "Ellery Regional Airport plans to reopen at noon",
        "Ellery Regional Airport will reopen at noon Sunday, director Marcus Pell said, "
        "after crews cleared branches and roofing from both runways.\n\n"
        "Pell said travelers should check with their airline first, because many of the "
        "aircraft needed for the first flights spent the night elsewhere.",
        [_TOMAS],
    ),
    _post(
        "Saltmarsh County schools will stay closed Monday",
        "All Saltmarsh County public schools will be closed on Monday, the school district "
        "said, so buildings can be checked and the high school can keep serving as a "
        "shelter.\n\n"
        "The district expects to announce plans for Tuesday by Monday afternoon.",
        [_PRIYA],
    ),
    _post(
        "Front Street shop owners begin the cleanup",
        "Shop owners on Front Street are pulling soaked carpet and drywall out onto the "
        "sidewalk, where the city has promised to collect it at no charge.\n\n"
        "“The sandbags bought us a few inches. A few inches is the difference between "
        "mopping and rebuilding,” said bakery owner Lorna Fitch.",
        [_ANA],
        _PORT,
    ),
    _post(
        "Power outages fall below 25,000",
        "About 24,000 customers remain without power, down from the overnight peak of "
        "about 52,000, Calder Electric Cooperative said.\n\n"
        "Crews from three neighboring cooperatives have arrived to help.",
        [_JUNE],
    ),
    _post(
        "Port Ellery lifts its boil-water notice for most neighborhoods",
        "Tests at the city's water plant came back clean, and the boil-water notice has "
        "been lifted everywhere except the Harborside and Front Street areas.\n\n"
        "Those neighborhoods should keep boiling drinking water until a second round of "
        "tests is complete.",
        [_PRIYA],
        _PORT,
    ),
    _post(
        "Marrow Bay Causeway reopens to traffic",
        "The Marrow Bay Causeway has reopened in both directions after engineers found no "
        "structural damage, the county said.\n\n"
        "A reduced speed limit of 25 mph is in place while crews repair guardrails near "
        "the peninsula end.",
        [_COLM],
        _MARROW,
        key_event=True,
    ),
    _post(
        "Gull Island ferry to resume with a limited schedule",
        "The Saltmarsh County ferry authority says service to Gull Island will resume "
        "Monday with four round trips instead of the usual eight.\n\n"
        "Crews still need to clear sand from the island's landing before larger vehicles "
        "can board.",
        [_JUNE],
    ),
    _post(
        "Two shelters close as residents head home",
        "The shelters at Hollis Middle School and the Millbrook community center have "
        "closed, and everyone still without a safe home has moved to Port Ellery High "
        "School.\n\n"
        "About 180 people remain there, most from streets that are still without power.",
        [_PRIYA, _ANA],
        _PORT,
    ),
    _post(
        "Volunteers hand out water and hot meals downtown",
        "The Saltmarsh Relief Volunteers have set up tables outside City Hall with bottled "
        "water, hot meals and phone charging stations.\n\n"
        "Yusra Demir said the group served more than 1,500 meals on Sunday alone.",
        [_ANA],
        _PORT,
    ),
    _post(
        "County sets up hotlines for storm damage reports",
        "Saltmarsh County has opened a hotline and an online form for residents to report "
        "storm damage, which the county will use to ask the state for disaster aid.\n\n"
        "**More background:** Counties on the Calder Coast must document damage above a set "
        "threshold before the state will open its disaster recovery fund.",
        [_SAM],
    ),
    _post(
        "Fewer than 10,000 customers still without power",
        "Calder Electric Cooperative says about 9,000 customers remain without power, most "
        "of them in rural areas west of the Hollis River.\n\n"
        "The cooperative expects to restore all but the hardest-hit lines by Tuesday night.",
        [_JUNE, _PRIYA],
    ),
    _post(
        "Hollis River falls back below flood stage",
        "The Hollis River dropped below flood stage at the Millbrook bridge, and the weather "
        "office has canceled the flash flood warning.\n\n"
        "River Road will stay closed until county crews clear mud and check the culverts.",
        [_TOMAS],
    ),
    _post(
        "Harbor patrol sergeant: “Those life jackets saved two lives”",
        "Sgt. Tobias Crane of the Calder Coast Harbor Patrol said the two sailors rescued "
        "on Saturday visited the station to thank his crew.\n\n"
        "Crane used the visit to repeat his advice to boat owners: move boats before the "
        "wind arrives, not while it is blowing.",
        [_COLM],
        _MARROW,
    ),
    _post(
        "Mayor thanks crews and asks for patience with debris pickup",
        "Mayor Corinne Vasko thanked line workers, firefighters and volunteers at a news "
        "conference on the steps of City Hall.\n\n"
        "She said debris pickup will take at least two weeks and asked residents to keep "
        "piles off sidewalks and away from storm drains.",
        [_ANA],
        _PORT,
    ),
    _post(
        "Forecasters say the next two weeks look calm",
        "The Calder Coast Weather Office says no other storms are expected to threaten the "
        "coast for at least two weeks.\n\n"
        "Dana Mireles said the office will publish a full report on Delphine, including "
        "its final rainfall and surge measurements, within a month.",
        [_TOMAS],
    ),
    _post(
        "Schools reopen Tuesday, except Port Ellery High School",
        "The school district says classes resume Tuesday in every building except Port "
        "Ellery High School, which is still serving as a shelter.\n\n"
        "High school students will have remote lessons until the shelter closes.",
        [_PRIYA],
    ),
    _post(
        "Gull Island ferry returns to its full schedule",
        "Ferry service between Port Ellery and Gull Island is back to eight round trips a "
        "day, the ferry authority said, after crews finished clearing the island landing.",
        [_JUNE],
    ),
    _post(
        "Last emergency shelter closes",
        "The shelter at Port Ellery High School has closed after the last families found "
        "places to stay with relatives or in temporary housing arranged by the county.\n\n"
        "Saltmarsh County says about 2,300 people passed through its three shelters during "
        "the storm.",
        [_ANA, _PRIYA],
        _PORT,
        key_event=True,
    ),
    _post(
        "Power restored to all but a few hundred customers",
        "Calder Electric Cooperative says fewer than 400 customers remain without power, "
        "mostly homes whose own wiring must be repaired before they can be reconnected.\n\n"
        "**More background:** At the peak, on the night Delphine made landfall, about 52,000 "
        "customers, nearly half the county, were without power.",
        [_JUNE],
    ),
)


async def run_desk(
    publish: Callable[[dict], Awaitable[object]],
    interval: float = 8.0,
    *,
    stop: asyncio.Event | None = None,
    rng: random.Random | None = None,
) -> None:
    """Publish the next desk post every `interval` seconds (±25%) until `stop` is set.

    Posts cycle through DESK_POSTS; from the second pass on each headline gets
    " (update N)", N being the pass number, so readers never see two identical posts.
    A failing `publish` is logged and skipped: the desk is a demo and must never take
    the server down with it.
    """
    if stop is None:
        stop = asyncio.Event()  # never set: the desk runs until its task is cancelled
    if rng is None:
        rng = random.Random()
    count = 0
    while not stop.is_set():
        # Jitter so the demo feels like a newsroom rather than a metronome.
        delay = max(0.0, interval * rng.uniform(0.75, 1.25))
        if await _stopped_within(stop, delay):
            return
        fields = _desk_fields(count)
        count += 1
        try:
            await publish(fields)
        except Exception:
            log.warning("demo desk: publishing %r failed", fields["headline"], exc_info=True)


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`, waking at once if `stop` is set; True if it was."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return stop.is_set()  # set in the same tick the timeout fired: still a stop
    return True


def _desk_fields(index: int) -> dict[str, Any]:
    """The fields for the index-th post the desk publishes (a fresh copy each time)."""
    template = DESK_POSTS[index % len(DESK_POSTS)]
    # Copy the lists too, so a publisher that mutates its input can't change the script.
    fields = {
        key: list(value) if isinstance(value, list) else value for key, value in template.items()
    }
    round_number = index // len(DESK_POSTS) + 1
    if round_number > 1:
        fields["headline"] = f"{template['headline']} (update {round_number})"
    return fields
