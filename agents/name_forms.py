"""Other readings of a name a caller gave, for an identity check the name as said did not pass.

Callers say the name they go by, not always the one on their records ("Matt Moore" for Matthew,
"Bella Jackson" for Isabella), and some say the surname first without a comma, as on a form
("Allen Nathan"). The check stays exact: the date of birth must be the one on file and the other
reading must be a person on file; a first name counts only as a short form of the name on the
records (a fixed table of common English short forms, never a guess by sound), and the last name
is never changed. `agents.identity` accepts such a reading only when exactly one person fits.
"""

from __future__ import annotations

# short form -> the given names it is short for (lowercase). Written for this project from common
# English usage; a name missing here fails as before (the caller is asked again).
_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "abby": ("abigail",),
    "abe": ("abraham",),
    "al": ("albert", "alan", "alfred", "alexander"),
    "alex": ("alexander", "alexandra", "alexis"),
    "ally": ("allison", "alexandra", "alison"),
    "andy": ("andrew", "andrea"),
    "annie": ("ann", "anne", "anna"),
    "ben": ("benjamin",),
    "benny": ("benjamin",),
    "bella": ("isabella", "isabel", "arabella"),
    "beth": ("elizabeth", "bethany"),
    "betty": ("elizabeth",),
    "bill": ("william",),
    "billy": ("william",),
    "bob": ("robert",),
    "bobby": ("robert",),
    "cathy": ("catherine", "cathleen"),
    "charlie": ("charles", "charlotte"),
    "chris": ("christopher", "christine", "christina", "christian"),
    "chuck": ("charles",),
    "cindy": ("cynthia",),
    "dan": ("daniel",),
    "danny": ("daniel",),
    "dave": ("david",),
    "davey": ("david",),
    "deb": ("deborah",),
    "debbie": ("deborah",),
    "dick": ("richard",),
    "don": ("donald",),
    "drew": ("andrew",),
    "ed": ("edward", "edwin", "edmund"),
    "eddie": ("edward",),
    "ellie": ("eleanor", "elizabeth", "ellen"),
    "em": ("emily", "emma"),
    "emmy": ("emily", "emma"),
    "fred": ("frederick", "alfred"),
    "gabe": ("gabriel",),
    "gabby": ("gabriella", "gabrielle"),
    "greg": ("gregory",),
    "hank": ("henry",),
    "harry": ("harold", "henry"),
    "izzy": ("isabella", "isabel"),
    "jack": ("john",),
    "jake": ("jacob",),
    "jamie": ("james",),
    "jen": ("jennifer",),
    "jenny": ("jennifer",),
    "jeff": ("jeffrey",),
    "jerry": ("gerald", "jerome"),
    "jess": ("jessica",),
    "jim": ("james",),
    "jimmy": ("james",),
    "joe": ("joseph",),
    "joey": ("joseph",),
    "johnny": ("john",),
    "jon": ("jonathan",),
    "josh": ("joshua",),
    "kate": ("katherine", "catherine", "kathryn"),
    "katie": ("katherine", "catherine", "kathryn"),
    "ken": ("kenneth",),
    "kenny": ("kenneth",),
    "kim": ("kimberly",),
    "larry": ("lawrence",),
    "lexi": ("alexis", "alexandra"),
    "liv": ("olivia",),
    "livvy": ("olivia",),
    "liz": ("elizabeth",),
    "lizzie": ("elizabeth",),
    "lottie": ("charlotte",),
    "lou": ("louis", "louise"),
    "maddie": ("madison", "madeline"),
    "maggie": ("margaret",),
    "mandy": ("amanda",),
    "matt": ("matthew",),
    "matty": ("matthew",),
    "meg": ("margaret", "megan"),
    "mel": ("melissa", "melanie"),
    "mick": ("michael",),
    "mickey": ("michael",),
    "mike": ("michael",),
    "mikey": ("michael",),
    "millie": ("amelia", "mildred"),
    "mitch": ("mitchell",),
    "nat": ("nathan", "nathaniel", "natalie"),
    "nate": ("nathan", "nathaniel"),
    "nick": ("nicholas",),
    "nicky": ("nicholas", "nicole"),
    "pat": ("patrick", "patricia"),
    "patty": ("patricia",),
    "peggy": ("margaret",),
    "pete": ("peter",),
    "phil": ("philip", "phillip"),
    "rob": ("robert",),
    "robbie": ("robert",),
    "ron": ("ronald",),
    "ronnie": ("ronald",),
    "sam": ("samuel", "samantha"),
    "sammy": ("samuel", "samantha"),
    "sandy": ("sandra",),
    "soph": ("sophia", "sophie"),
    "sophie": ("sophia",),
    "steve": ("steven", "stephen"),
    "sue": ("susan",),
    "susie": ("susan",),
    "ted": ("edward", "theodore"),
    "teddy": ("edward", "theodore"),
    "tom": ("thomas",),
    "tommy": ("thomas",),
    "tony": ("anthony",),
    "vicky": ("victoria",),
    "will": ("william",),
    "zach": ("zachary",),
    "zack": ("zachary",),
}


def full_forms(first: str) -> tuple[str, ...]:
    """The given names `first` is a common short form of ("Matt" -> Matthew), title-cased."""
    return tuple(name.title() for name in _SHORT_FORMS.get(first.strip().casefold(), ()))


def other_readings(first: str, last: str) -> list[tuple[str, str]]:
    """Other (first, last) names the caller may have meant, in order: the surname said first
    ("Allen Nathan"), then the full forms of a short first name, in either order."""
    out: list[tuple[str, str]] = []
    for f, last_name in ((first, last), (last, first)):
        for candidate in ((f, last_name), *((full, last_name) for full in full_forms(f))):
            if candidate != (first, last) and candidate not in out:
                out.append(candidate)
    return out
