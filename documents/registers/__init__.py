"""Registers (sổ đăng ký) and their gap-free yearly numbering."""
