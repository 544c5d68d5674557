import { In, type DataSource } from 'typeorm';
import { loaderOfOne } from '@hub/kit';
import { DocumentBlank } from './entities';

/** A blank is identified by series and number together. */
export const blankKey = (series: string, number: string) => `${series}/${number}`;

export function createLoaders(db: DataSource) {
  return {
    blank: loaderOfOne(
      (keys) =>
        db.getRepository(DocumentBlank).findBy(
          keys.map((key) => {
            const [series = '', number = ''] = key.split('/');
            return { series, number };
          }),
        ),
      (b) => blankKey(b.series, b.number),
    ),
    blankOfDocument: loaderOfOne(
      (numbers) => db.getRepository(DocumentBlank).findBy({ documentNumber: In([...numbers]) }),
      (b) => b.documentNumber ?? '',
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
