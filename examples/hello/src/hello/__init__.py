"""Say hello."""


def main() -> None:
    print("hello from deploypack's example project")
