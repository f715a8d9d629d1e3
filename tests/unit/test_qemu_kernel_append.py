"""The kernel command line under TCG gets ``no_timer_check`` (a starved vCPU otherwise
panics in the early timer check), once, and is left alone under KVM."""

from __future__ import annotations

from pocketstack.compute.virt.qemu.cmdline import DEFAULT_KERNEL_CMDLINE, kernel_append


def test_tcg_adds_no_timer_check_once() -> None:
    assert kernel_append("root=LABEL=tinyroot console=ttyS0 quiet", "tcg") == (
        "root=LABEL=tinyroot console=ttyS0 quiet no_timer_check"
    )
    assert kernel_append("console=ttyS0 no_timer_check", "tcg") == "console=ttyS0 no_timer_check"
    assert kernel_append(DEFAULT_KERNEL_CMDLINE, "tcg").endswith(" no_timer_check")


def test_kvm_keeps_the_images_command_line() -> None:
    assert kernel_append("root=/dev/vda  console=ttyS0", "kvm") == "root=/dev/vda  console=ttyS0"
