"""The tiny guest: a kernel, an initramfs and a root disk built from Debian packages.

No guest image can be downloaded on the machines pocketstack targets, so every VM test
boots this one (DESIGN §6). ``build_tiny()`` assembles it (cached, so a second build is
instant); ``tiny_available()`` says whether this machine can build it.
"""

from pocketstack.image.tiny.build import TinyArtifacts, build_tiny, tiny_available

__all__ = ["TinyArtifacts", "build_tiny", "tiny_available"]
