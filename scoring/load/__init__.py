"""Reading what users give us: criteria files and submitted data."""

# A folder whose data files come to at least this many bytes is read on two processors: a forked
# process stages part of the files while this one stages the others, and every file is merged in
# the folder's order, giving the very data, problems and notes of reading them one after another
# (submissions.read_with). None: one after another, always. Only the command line sets it, for a
# process it owns (cli.main): a library's caller, the portal's server with its threads, is never forked.
read_on_two_from: int | None = None
