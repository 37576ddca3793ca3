"""Read the roster of a Gradescope export (submission_metadata.yml), bounded and without trust.

The file maps each submission folder to its submitters:

    submission_1001:
      :submitters:
      - :name: Ada Lovelace
        :sid: 'S001'
        :email: ada@example.edu
      :created_at: ...          (and :score:, :results:, :history:, ... which are not read)

Only an export the instructor names as SUBMISSIONS is read (see intake), but the file is still
parsed as hostile input: a size cap, no aliases (a few bytes of aliases expand to gigabytes once
turned into text), a nesting depth limit, the expected types only, and every failure reported as
ExportError, never a crash.

Why YAML events and not yaml.load: the loaders build nodes recursively (the C one overflows its
stack and segfaults on a name nested 100 000 deep, the Python one raises RecursionError), and they
expand aliases. Events come one at a time from libyaml's parser, which keeps its nesting on the heap:
the depth is counted, and an alias refused, before anything is built. The pure-Python parser
gives the same events where libyaml is missing (about 15 times slower). Scalars are kept as the
text they were written as: an SID `00123` stays "00123" (YAML 1.1 would read an octal 83), and
the tags Gradescope's Ruby writes (`!ruby/object:...`) need no constructors.
"""

import yaml

METADATA = "submission_metadata.yml"
MAX_BYTES = 64 * 2**20  # a class of a thousand, each with a large :results: hash
MAX_DEPTH = 64  # Gradescope's own nesting (results inside records) is about ten deep
MAX_FIELD_CHARS = 1000  # a name, an email or an SID
FIELDS = ("name", "email", "sid")
NULLS = ("", "~", "null", "Null", "NULL")



class PurePythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own event parser, with the interface of libyaml's."""

    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self):
        """Nothing to free (libyaml's parser frees its buffers here)."""


try:
    from yaml._yaml import CParser as Parser  # libyaml's event parser, as PyYAML's CLoader uses it
except ImportError:  # PyYAML built without libyaml
    Parser = PurePythonParser


class ExportError(Exception):
    """submission_metadata.yml is not a readable export; the message says why."""


def read(path):
    """{folder name: [{"name", "email", "sid"}]} from a submission_metadata.yml on disk."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ExportError(f"it could not be opened ({error.strerror})") from None
    return parse(data)


def parse(data):
    """{folder name: [{"name", "email", "sid"}]} from the bytes of a submission_metadata.yml."""
    if len(data) > MAX_BYTES:
        raise ExportError(f"it is larger than {MAX_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError("it is not UTF-8 text") from None
    try:
        document = _plain_data(text)
    except yaml.YAMLError as error:
        raise ExportError(f"it is not valid YAML ({' '.join(str(error).split())[:200]})") from None
    return _roster(document)


def _plain_data(text):
    """The single YAML document of text as dicts, lists, str and None, built from its events."""
    parser = Parser(text)  # looked up when called, so that the tests can run both parsers
    try:
        stack, key_pending, documents, result = [], [], 0, None
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.AliasEvent):
                raise ExportError("it uses YAML aliases, which Gradescope's exports never do")
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise ExportError("it holds more than one YAML document")
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise ExportError(f"it is nested more than {MAX_DEPTH} levels deep")
                value = {} if isinstance(event, yaml.MappingStartEvent) else []
                _place(stack, key_pending, value)
                stack.append(value)
                key_pending.append(None)
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                value = stack.pop()
                key_pending.pop()
                if not stack:
                    result = value
                continue
            if isinstance(event, yaml.ScalarEvent):
                value = None if event.style is None and event.value in NULLS else event.value
                if not stack:
                    result = value
                else:
                    _place(stack, key_pending, value)
        return result
    finally:
        parser.dispose()


def _place(stack, key_pending, value):
    """Put value where the innermost open collection expects it: a list item, a key, or a key's value."""
    if not stack:
        return
    container = stack[-1]
    if isinstance(container, list):
        container.append(value)
    elif key_pending[-1] is None:  # keys are text, so None means "a key comes next"
        if not isinstance(value, str):
            raise ExportError("a key of a mapping is not text")
        if value in container:
            raise ExportError(f"the key {value[:80]!r} appears twice in one mapping")
        key_pending[-1] = value
    else:
        container[key_pending[-1]] = value
        key_pending[-1] = None


def _roster(document):
    if not isinstance(document, dict):
        raise ExportError("it is not a mapping of submission folders to their submitters")
    roster = {}
    for folder, record in document.items():
        if not isinstance(record, dict):
            raise ExportError(f"the entry of {folder[:80]!r} is not a mapping")
        submitters = record.get(":submitters", [])
        if not isinstance(submitters, list):
            raise ExportError(f"the :submitters of {folder[:80]!r} are not a list")
        roster[folder] = [_person(folder, person) for person in submitters]
    return roster


def _person(folder, person):
    if not isinstance(person, dict):
        raise ExportError(f"a submitter of {folder[:80]!r} is not a mapping")
    found = {}
    for field in FIELDS:
        value = person.get(f":{field}")
        if value is not None and not isinstance(value, str):  # a number is kept as the text it was written as
            raise ExportError(f"the :{field} of a submitter of {folder[:80]!r} is not text or a number")
        if value is not None and len(value) > MAX_FIELD_CHARS:
            raise ExportError(f"the :{field} of a submitter of {folder[:80]!r} is longer than "
                              f"{MAX_FIELD_CHARS} characters")
        found[field] = "" if value is None else " ".join(value.split())
    return found
