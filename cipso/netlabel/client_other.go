//go:build !linux

package netlabel

import "github.com/iplabel/iplabel/cipso"

// Client talks to the kernel's NetLabel; on this system every call gives
// [ErrLinuxOnly].
type Client struct{}

// Dial gives [ErrLinuxOnly].
func Dial() (*Client, error) { return nil, ErrLinuxOnly }

// Close gives [ErrLinuxOnly].
func (c *Client) Close() error { return ErrLinuxOnly }

// ListDOIs gives [ErrLinuxOnly].
func (c *Client) ListDOIs() ([]DOI, error) { return nil, ErrLinuxOnly }

// DOI gives [ErrLinuxOnly].
func (c *Client) DOI(n cipso.DOI) (DOI, error) { return DOI{}, ErrLinuxOnly }

// AddDOI gives [ErrLinuxOnly].
func (c *Client) AddDOI(d DOI) error { return ErrLinuxOnly }

// RemoveDOI gives [ErrLinuxOnly].
func (c *Client) RemoveDOI(n cipso.DOI) error { return ErrLinuxOnly }

// Registry gives [ErrLinuxOnly].
func (c *Client) Registry() (*cipso.Registry, error) { return nil, ErrLinuxOnly }

// ListMappings gives [ErrLinuxOnly].
func (c *Client) ListMappings() ([]Mapping, error) { return nil, ErrLinuxOnly }

// AddMapping gives [ErrLinuxOnly].
func (c *Client) AddMapping(m Mapping) error { return ErrLinuxOnly }

// RemoveMapping gives [ErrLinuxOnly].
func (c *Client) RemoveMapping(domain string) error { return ErrLinuxOnly }

// RemoveDefaultMapping gives [ErrLinuxOnly].
func (c *Client) RemoveDefaultMapping() error { return ErrLinuxOnly }

// ListCALIPSODOIs gives [ErrLinuxOnly].
func (c *Client) ListCALIPSODOIs() ([]uint32, error) { return nil, ErrLinuxOnly }

// HasCALIPSODOI gives [ErrLinuxOnly].
func (c *Client) HasCALIPSODOI(n uint32) (bool, error) { return false, ErrLinuxOnly }

// AddCALIPSODOI gives [ErrLinuxOnly].
func (c *Client) AddCALIPSODOI(n uint32) error { return ErrLinuxOnly }

// RemoveCALIPSODOI gives [ErrLinuxOnly].
func (c *Client) RemoveCALIPSODOI(n uint32) error { return ErrLinuxOnly }
