import { mapResponse, mappingPathProblem, readMappingPath } from '../../../server/adapters/http/response-mapping';

const response = {
  status: 201,
  headers: { location: '/nonconformances/NC-2026-00001' },
  body: { material: 'RM-1001', available: 120, lots: [{ lot: 'L-1', status: 'QC-HOLD' }], 'a/b': { '~x': 1 }, empty: null },
};

describe('response mapping', () => {
  it('reads JSON pointers, dotted paths, the status, headers and the whole body', () => {
    // when
    const output = mapResponse(
      {
        available: '/available',
        firstLotStatus: '/lots/0/status',
        escaped: '/a~1b/~0x',
        dotted: 'lots[0].lot',
        dottedIndex: 'lots.0.lot',
        httpStatus: '$status',
        location: '$headers.Location',
        all: '$body',
      },
      response,
    );

    // then
    expect(output).toEqual({
      available: 120,
      firstLotStatus: 'QC-HOLD',
      escaped: 1,
      dotted: 'L-1',
      dottedIndex: 'L-1',
      httpStatus: 201,
      location: '/nonconformances/NC-2026-00001',
      all: response.body,
    });
  });

  it('maps what is missing to null, so the variable is always set', () => {
    expect(readMappingPath(response, '/lots/5/status')).toBeNull();
    expect(readMappingPath(response, 'material.name')).toBeNull();
    expect(readMappingPath(response, '/empty')).toBeNull();
    expect(readMappingPath({ status: 204, body: null }, '/anything')).toBeNull();
    expect(readMappingPath(response, '$headers.etag')).toBeNull();
  });

  it('never reads through a prototype', () => {
    expect(readMappingPath({ status: 200, body: {} }, '/toString')).toBeNull();
    expect(readMappingPath({ status: 200, body: [] }, '/length')).toBeNull();
    expect(mappingPathProblem('/__proto__/x')).toMatch(/not allowed/);
    expect(mappingPathProblem('a.constructor')).toMatch(/not allowed/);
    expect(() => mapResponse({ __proto__x: '/a', constructor: '/a' }, response)).toThrow(/not a variable name/);
  });

  it('refuses malformed paths', () => {
    expect(mappingPathProblem('/a~2')).toMatch(/RFC 6901/);
    expect(mappingPathProblem('a..b')).toBeDefined();
    expect(mappingPathProblem('a[x]')).toBeDefined();
    expect(mappingPathProblem('$headers.bad header')).toBeDefined();
    expect(mappingPathProblem('lots[0].status')).toBeUndefined();
  });
});
