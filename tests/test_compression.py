"""guide.compression: Django's gzip at a cheaper level, with the same padding against length guessing."""

import gzip

from guide.compression import compress


def test_it_compresses_to_what_gzip_reads_back():
    content = b"<p>Gunicorn</p>\n" * 500
    assert gzip.decompress(compress(content, 100)) == content


def test_it_hides_the_exact_length_behind_a_random_file_name():
    lengths = {len(compress(b"<p>Gunicorn</p>\n" * 500, 100)) for _ in range(50)}
    assert len(lengths) > 10 and max(lengths) - min(lengths) <= 100  # a name of 0 to 99 bytes, and its NUL
