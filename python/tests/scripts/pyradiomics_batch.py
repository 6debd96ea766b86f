#!/usr/bin/env python3
"""A batch extraction written the way PyRadiomics's documentation teaches it.

    python3 pyradiomics_batch.py cases.csv Params.yaml features.csv

Reads a PyRadiomics batch CSV (Image, Mask columns), extracts the original
and wavelet features of every case, writes one row per case. Written for
`radiomics.featureextractor`; test_script.py runs it with one line changed.
"""
import csv
import logging
import os
import sys

from radiomics import featureextractor

logger = logging.getLogger("batch")


def main(cases_csv, params_file, output_csv):
    extractor = featureextractor.RadiomicsFeatureExtractor(params_file)
    extractor.enableImageTypeByName('Wavelet')
    logger.info('Enabled image types: %s', extractor.enabledImagetypes)

    with open(cases_csv, 'r') as f:
        cases = list(csv.DictReader(f))
    root = os.path.dirname(os.path.abspath(cases_csv))

    header = None
    with open(output_csv, 'w', newline='') as out:
        writer = None
        for idx, case in enumerate(cases, start=1):
            image = os.path.join(root, case['Image'])
            mask = os.path.join(root, case['Mask'])
            logger.info('(%d/%d) Processing %s', idx, len(cases), case.get('ID', idx))
            try:
                result = extractor.execute(image, mask)
            except Exception:
                logger.exception('Feature extraction failed for %s', image)
                continue
            row = {'ID': case.get('ID', str(idx))}
            for key, value in result.items():
                if not key.startswith('diagnostics_'):
                    row[key] = float(value)
            if writer is None:
                header = list(row.keys())
                writer = csv.DictWriter(out, fieldnames=header, lineterminator='\n')
                writer.writeheader()
            writer.writerow(row)
    return 0


if __name__ == '__main__':
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(*sys.argv[1:4]))
