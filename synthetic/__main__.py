"""``python -m synthetic --clients N --seed S --out DIR``: write the eight Kaggle CSV files."""

from synthetic.generate import main

if __name__ == "__main__":
    main()
